// workloads/nn/fill.hpp — a labelled zero fill, so that zeroing a gradient buffer is a kernel
// with a ledger entry like any other (Kokkos::deep_copy launches an unnamed internal kernel).
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>

#include "workloads/nn/for_each.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

// Every element of the contiguous view x set to 0. Kernel `name`.
template <class Exec, class ViewT>
void zero_fill(const Exec& exec, const std::string& name, const ViewT& x) {
  using T = typename ViewT::non_const_value_type;
  T* p = x.data();
  for_each_element(
      exec, name, static_cast<std::int64_t>(x.span()), KOKKOS_LAMBDA(const std::int64_t i) { p[i] = T(0); });
}

// One write of `elems` elements of the element-wise precision of `dtype`.
inline Ledger zero_fill_cost(const std::string& name, DType dtype, double elems) {
  return {vector_cost(name, vector_dtype(dtype), 0, dtype_bytes(vector_dtype(dtype)) * elems)};
}

}  // namespace xpb::nn
