// workloads/nn/linear.hpp — fully connected layer y = x·Wᵀ + b on xpb::nn::gemm (both paths),
// optionally plus a residual and followed by a ReLU. W is stored (OC, IC) as in PyTorch. Backward
// overwrites dx, dW and db (callers that need accumulation, such as a tied embedding, add
// afterwards). Kernels: NAME_fwd (the GEMM; bias, residual and ReLU in its epilogue),
// NAME_bwd_data, NAME_bwd_weight (GEMMs; the data gradient masked by a ReLU input in its
// epilogue), NAME_bwd_bias (fixed-order column sums); on the vendor path the epilogues are kernels
// of their own, NAME_fwd_epilogue and NAME_bwd_data_epilogue (nn/gemm.hpp).
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "workloads/nn/for_each.hpp"
#include "workloads/nn/gemm.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

namespace detail {
// db(o) = Σ_n dy(n, o), each column's rows summed in ascending order (the same bits on every path
// and thread count). Blocks of kCols columns, so that a row's block is read contiguously; a full
// block's loop has a fixed width, which the compiler keeps in vector registers (the runtime width
// of the last block kept the sums in memory: 1024 x 512 fp32 in 114 us, 18 GB/s from cache).
// Host blocks are 64 columns (four independent 16-lane chains, 256 contiguous bytes a row); device
// blocks stay 16 wide, a thread each.
template <int kCols, class T, class DY>
KOKKOS_INLINE_FUNCTION void bias_grad_block(const DY& dy, T* db, int rows, int o0, int cols) {
  T acc[kCols] = {};
  if (cols == kCols) {
    for (int n = 0; n < rows; ++n)
      for (int j = 0; j < kCols; ++j) acc[j] += dy(n, o0 + j);
  } else {
    for (int n = 0; n < rows; ++n)
      for (int j = 0; j < cols; ++j) acc[j] += dy(n, o0 + j);
  }
  for (int j = 0; j < cols; ++j) db[o0 + j] = acc[j];
}

template <class Exec, class T>
void bias_grad(const Exec& exec, const std::string& name, const Vec<T>& db, const CMatrix<T>& dy) {
  constexpr int kCols = kHostExec<Exec> ? 64 : 16;
  const int rows = static_cast<int>(dy.extent(0)), oc = static_cast<int>(db.extent(0));
  T* const out = db.data();
  Kokkos::parallel_for(
      name, Kokkos::RangePolicy<Exec>(exec, 0, (oc + kCols - 1) / kCols), KOKKOS_LAMBDA(const int blk) {
        const int o0 = blk * kCols;
        bias_grad_block<kCols>(dy, out, rows, o0, oc - o0 < kCols ? oc - o0 : kCols);
      });
}
}  // namespace detail

// y (N, OC) = x (N, IC) · w (OC, IC)ᵀ + b (OC), plus `residual` (N, OC) where given (a residual
// connection: y = residual + linear(x)), then max(y, 0) where `relu`. An empty b or residual
// (extent 0) means none.
template <class Exec, class T>
void linear_forward(const Exec& exec, const std::string& name, GemmPath path, const Matrix<T>& y,
                    const CMatrix<T>& x, const CMatrix<T>& w, const CVec<T>& b, bool relu = false,
                    const CMatrix<T>& residual = CMatrix<T>()) {
  exec.fence();
  GemmEpilogue<T> ep;
  ep.bias = b.extent(0) == 0 ? nullptr : b.data();
  if (residual.extent(0) != 0) {
    ep.residual = residual.data();
    ep.ld_residual = static_cast<int>(residual.stride(0));
  }
  ep.relu = relu;
  gemm(label(name, "_fwd").c_str(), path, false, true, T(1), x, w, T(0), y, ep);
}

// dx (N, IC) = dy · w (skipped when dx is empty); dw (OC, IC) = dyᵀ · x; db (OC) = Σ_n dy(n, :)
// summed in ascending n (skipped when db is empty). x_is_relu: x is a ReLU's output, and dx is
// taken through that ReLU too (kept where x > 0, as relu_backward does from its input).
template <class Exec, class T>
void linear_backward(const Exec& exec, const std::string& name, GemmPath path, const Matrix<T>& dx,
                     const Matrix<T>& dw, const Vec<T>& db, const CMatrix<T>& dy, const CMatrix<T>& x,
                     const CMatrix<T>& w, bool x_is_relu = false) {
  exec.fence();
  if (dx.extent(0) != 0) {
    GemmEpilogue<T> ep;
    if (x_is_relu) {
      ep.gate = x.data();
      ep.ld_gate = static_cast<int>(x.stride(0));
    }
    gemm(label(name, "_bwd_data").c_str(), path, false, false, T(1), dy, w, T(0), dx, ep);
  }
  gemm(label(name, "_bwd_weight").c_str(), path, true, false, T(1), dy, x, T(0), dw);
  if (db.extent(0) == 0) return;
  detail::bias_grad<Exec>(exec, label(name, "_bwd_bias"), db, dy);
}

// Ledger entries of one forward and one backward call at this shape on `path`.
inline Ledger linear_forward_cost(const std::string& name, DType dtype, double N, double IC, double OC,
                                  bool bias, GemmPath path, bool relu = false, bool residual = false) {
  EpilogueOps ep;
  ep.bias = bias;
  ep.relu = relu;
  ep.residual = residual;
  return gemm_costs(label(name, "_fwd"), dtype, N, OC, IC, false, path, ep);
}

inline Ledger linear_backward_cost(const std::string& name, DType dtype, double N, double IC, double OC,
                                   bool bias, bool need_dx, GemmPath path, bool x_is_relu = false) {
  Ledger l;
  if (need_dx) {
    EpilogueOps ep;
    ep.gate = x_is_relu;
    l = gemm_costs(label(name, "_bwd_data"), dtype, N, IC, OC, false, path, ep);
  }
  l.push_back(gemm_cost(label(name, "_bwd_weight"), dtype, OC, IC, N, false));
  if (bias)
    l.push_back(vector_cost(label(name, "_bwd_bias"), vector_dtype(dtype), N * OC,
                            dtype_bytes(dtype) * (N * OC + OC)));
  return l;
}

}  // namespace xpb::nn
