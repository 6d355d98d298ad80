// workloads/nn/tensor.hpp — View aliases, kernel labels and cost helpers shared by the nn layers.
// Every layer takes a name prefix ("gpt/ln1") and labels its kernels prefix + suffix
// ("gpt/ln1_fwd"); the same strings name the layer's ledger entries. Nothing here allocates
// model state or launches kernels.
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "core/base/dtype.hpp"
#include "core/plugin/ledger.hpp"
#include "workloads/nn/gemm.hpp"

namespace xpb::nn {

// Dimension letters used across nn/: N rows (= B·T positions), C channels, V vocabulary,
// B batch, T sequence length, H heads, D head size (C / H).
template <class T>
using Vec = Kokkos::View<T*, Kokkos::LayoutRight>;  // (n)
template <class T>
using Tensor4 = Kokkos::View<T****, Kokkos::LayoutRight>;  // e.g. (B, H, T, T)
using Tokens = Kokkos::View<int*, Kokkos::LayoutRight>;    // (N) token ids; < 0 = ignored target

// Read-only inputs of the layer functions. The element type is deduced from the outputs only
// (a non-deduced context), so callers can pass Matrix<T> where Matrix<const T> is expected.
namespace detail {
template <class X>
struct NoDeduce {
  using type = X;
};
}  // namespace detail
template <class T>
using CMatrix = typename detail::NoDeduce<Matrix<const T>>::type;
template <class T>
using CVec = typename detail::NoDeduce<Vec<const T>>::type;
template <class T>
using CTensor4 = typename detail::NoDeduce<Tensor4<const T>>::type;

inline std::string label(const std::string& prefix, const char* suffix) { return prefix + suffix; }

// A vector-unit kernel's cost entry.
inline KernelCost vector_cost(const std::string& name, DType dtype, double flops, double bytes,
                              double count = 1) {
  KernelCost k;
  k.name = name;
  k.kind = OpKind::vector;
  k.dtype = dtype;
  k.flops = flops;
  k.bytes = bytes;
  k.count = count;
  return k;
}

// A copy of `bytes` from host memory to the device's before the kernels that read it
// (OpKind::transfer): not a kernel, so `name` is no Kokkos label.
inline KernelCost transfer_cost(const std::string& name, double bytes, double count = 1) {
  KernelCost k;
  k.name = name;
  k.kind = OpKind::transfer;
  k.bytes = bytes;
  k.count = count;
  return k;
}

// Precision an accelerator would use for element-wise work when matrices run at `gemm_dtype`:
// mixed-precision training keeps normalisation and softmax arithmetic in fp32.
inline DType vector_dtype(DType gemm_dtype) { return gemm_dtype == DType::fp64 ? DType::fp64 : DType::fp32; }

// Appends b to a, scaling every entry's count by `times`.
inline void append(Ledger& a, const Ledger& b, double times = 1) {
  for (KernelCost k : b) {
    k.count *= times;
    a.push_back(std::move(k));
  }
}

}  // namespace xpb::nn
