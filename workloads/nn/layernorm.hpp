// workloads/nn/layernorm.hpp — layer normalisation over the last dimension (eps 1e-5).
// Forward saves the per-row mean and 1/std for backward. Backward ADDS into dx (so a residual
// stream's gradient can flow through in place, as in llm.c) and overwrites dw, db, which are
// summed over rows in a fixed order. The kernels are the row kernels of nn/rownorm_kernels.hpp:
// NAME_fwd, NAME_bwd (rows and per-block partial rows; device spaces make the partials in a launch of
// their own, NAME_bwd_part), NAME_bwd_params (ordered sum of partials).
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "core/base/kokkos_compat.hpp"
#include "workloads/nn/rownorm_kernels.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::nn {

inline constexpr double kLayerNormEps = kRowNormEps;

// y (N, C) = (x - mean) · rstd · w (C) + b (C); mean, rstd (N) saved. Row kernel NAME_fwd
// (nn/rownorm_kernels.hpp).
template <class Exec, class T>
void layernorm_forward(const Exec& exec, const std::string& name, const Matrix<T>& y, const Vec<T>& mean,
                       const Vec<T>& rstd, const CMatrix<T>& x, const CVec<T>& w, const CVec<T>& b) {
  rownorm_layernorm_forward<Exec, T>(exec, label(name, "_fwd"), y, mean, rstd, x, w, b);
}

// dx (N, C) += ∂L/∂x; dw, db (C) = Σ_n of dy·x̂ and dy, per block of rows then over blocks, both
// ascending (nn/rownorm_kernels.hpp): NAME_bwd, NAME_bwd_params. Allocates the partial rows.
template <class Exec, class T>
void layernorm_backward(const Exec& exec, const std::string& name, const Matrix<T>& dx, const Vec<T>& dw,
                        const Vec<T>& db, const CMatrix<T>& dy, const CMatrix<T>& x, const CVec<T>& w,
                        const CVec<T>& mean, const CVec<T>& rstd) {
  const int N = static_cast<int>(x.extent(0)), C = static_cast<int>(x.extent(1));
  const Vec<T> part(Kokkos::view_alloc(Kokkos::WithoutInitializing, "nn/layernorm_partials"),
                    std::size_t(layernorm_blocks(N)) * 2 * C);  // (blocks, 2C)
  rownorm_layernorm_backward<Exec, T>(exec, name, dx, dw, db, dy, x, w, mean, rstd, part);
}

// The row kernels are OpKind::norm (efficiency.norm where a descriptor has it, else vector work);
// the ordered sum of the partial rows is plain vector work.
inline KernelCost norm_cost(KernelCost k) {
  k.kind = OpKind::norm;
  return k;
}

inline Ledger layernorm_forward_cost(const std::string& name, DType dtype, double N, double C) {
  const double s = dtype_bytes(dtype);
  return {norm_cost(
      vector_cost(label(name, "_fwd"), vector_dtype(dtype), 8 * N * C, s * (2 * N * C + 2 * C + 2 * N)))};
}

// teams: the device path (nn/rownorm_teams.hpp), whose partial rows are a launch of their own,
// NAME_bwd_part (x̂ recomputed: 2 more FLOPs per element, x and dy read again); the host's row
// bodies make them with dx in NAME_bwd.
inline Ledger layernorm_backward_cost(const std::string& name, DType dtype, double N, double C,
                                      bool teams = !kHostExec<Kokkos::DefaultExecutionSpace>) {
  const double s = dtype_bytes(dtype);
  const double part = double(layernorm_blocks(int(N))) * 2 * C;  // partial rows
  const KernelCost params =
      vector_cost(label(name, "_bwd_params"), vector_dtype(dtype), part, s * (part + 2 * C));
  if (teams)
    return {norm_cost(vector_cost(label(name, "_bwd"), vector_dtype(dtype), 14 * N * C,
                                  s * (4 * N * C + C + 2 * N))),
            norm_cost(vector_cost(label(name, "_bwd_part"), vector_dtype(dtype), 5 * N * C,
                                  s * (2 * N * C + 2 * N + part))),
            params};
  return {norm_cost(vector_cost(label(name, "_bwd"), vector_dtype(dtype), 17 * N * C,
                                s * (4 * N * C + C + 2 * N + part))),
          params};
}

}  // namespace xpb::nn
