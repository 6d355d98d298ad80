// workloads/nn/gemm.hpp — dense matrix multiply C = alpha·op(A)·op(B) + beta·C on Kokkos Views.
// Two paths: `native` (a Kokkos kernel; every C element accumulates over k in ascending order in
// one chain, so results are bit-identical for any thread count and backend) and `vendor`
// (CBLAS on the host, cuBLAS where Kokkos has CUDA; faster, ordering up to the library).
// Row-major (LayoutRight) only. Shapes: op(A) (M, K), op(B) (K, N), C (M, N).
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "core/ledger.hpp"

namespace xpb::nn {

enum class GemmPath { native, vendor };
GemmPath parse_gemm_path(const std::string& s);  // "native" | "vendor"; asserts otherwise
bool vendor_gemm_available();                    // false when no vendor BLAS was compiled in

template <class T>
using Matrix = Kokkos::View<T**, Kokkos::LayoutRight>;

// C = alpha·op(A)·op(B) + beta·C. `label` names the Kokkos kernel and its ledger entry.
void gemm(const char* label, GemmPath path, bool trans_a, bool trans_b, float alpha,
          const Matrix<const float>& A, const Matrix<const float>& B, float beta,
          const Matrix<float>& C);
void gemm(const char* label, GemmPath path, bool trans_a, bool trans_b, double alpha,
          const Matrix<const double>& A, const Matrix<const double>& B, double beta,
          const Matrix<double>& C);

// Ledger entry of one such call (2·M·N·K FLOPs; A, B read once, C read and written).
KernelCost gemm_cost(const std::string& label, DType dtype, double M, double N, double K,
                     bool beta_nonzero);

}  // namespace xpb::nn
