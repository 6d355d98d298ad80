// workloads/nn/rownorm_host.cpp — the layer-norm and softmax row bodies (nn/rownorm_kernels.hpp),
// GELU's (nn/gelu.hpp) and the AdamW span (nn/adamw.hpp) compiled once per ISA, so that their inner loops
// vectorise at the CPU's width (the project builds without -march). Same structure as nn/attention_host.cpp:
// a target region per ISA, the shared body flattened into each wrapper, no a·b+c → fma contraction, so every
// ISA and the portable kernels give the same bits.
#include "workloads/nn/adamw.hpp"
#include "workloads/nn/gelu.hpp"
#include "workloads/nn/gemm_microkernel.hpp"
#include "workloads/nn/rownorm_kernels.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define XPB_ROW_X86 1
#else
#define XPB_ROW_X86 0
#endif

namespace xpb::nn::detail {

#define XPB_ROW_WRAPPERS(SUFFIX)                                                                            \
  template <class T>                                                                                        \
  __attribute__((flatten)) void ln_fwd_##SUFFIX(const T* x, int ldx, T* y, int ldy, const T* w, const T* b, \
                                                int n0, int n1, int C, T* m, T* rs) {                       \
    ln_fwd_rows(x, ldx, y, ldy, w, b, n0, n1, C, m, rs);                                                    \
  }                                                                                                         \
  template <class T>                                                                                        \
  __attribute__((flatten)) void ln_bwd_##SUFFIX(const T* x, int ldx, const T* dy, int ldg, T* dx, int ldd,  \
                                                const T* w, const T* mean, const T* rstd, int n0, int n1,   \
                                                int C, T* pw, T* pb) {                                      \
    ln_bwd_block(x, ldx, dy, ldg, dx, ldd, w, mean, rstd, n0, n1, C, pw, pb);                               \
  }                                                                                                         \
  template <class T>                                                                                        \
  __attribute__((flatten)) void sm_fwd_##SUFFIX(const T* x, T* y, int V) {                                  \
    sm_fwd_row(x, y, V);                                                                                    \
  }                                                                                                         \
  template <class T>                                                                                        \
  __attribute__((flatten)) void sm_bwd_##SUFFIX(const T* y, const T* g, T* dx, int V) {                     \
    sm_bwd_row(y, g, dx, V);                                                                                \
  }                                                                                                         \
  template <class T>                                                                                        \
  __attribute__((flatten)) T ce_fwd_##SUFFIX(const T* x, T* p, int V, int y) {                              \
    return ce_fwd_row(x, p, V, y);                                                                          \
  }                                                                                                         \
  template <class T>                                                                                        \
  __attribute__((flatten)) void gelu_fwd_##SUFFIX(const T* x, T* y, int C) {                                \
    gelu_fwd_row(x, y, C);                                                                                  \
  }                                                                                                         \
  template <class T>                                                                                        \
  __attribute__((flatten)) void gelu_bwd_##SUFFIX(const T* x, const T* g, T* dx, int C) {                   \
    gelu_bwd_row(x, g, dx, C);                                                                              \
  }                                                                                                         \
  template <class T>                                                                                        \
  __attribute__((flatten)) void adamw_##SUFFIX(T* p, const T* g, T* m, T* v, std::int64_t i0,               \
                                               std::int64_t i1, std::int64_t n_decay,                       \
                                               const AdamWStep<T>& c) {                                     \
    adamw_span(p, g, m, v, i0, i1, n_decay, c);                                                             \
  }                                                                                                         \
  template <class T>                                                                                        \
  RowFns<T> fns_##SUFFIX() {                                                                                \
    return {ln_fwd_##SUFFIX<T>, ln_bwd_##SUFFIX<T>,   sm_fwd_##SUFFIX<T>,   sm_bwd_##SUFFIX<T>,             \
            ce_fwd_##SUFFIX<T>, gelu_fwd_##SUFFIX<T>, gelu_bwd_##SUFFIX<T>, adamw_##SUFFIX<T>};             \
  }

XPB_ROW_WRAPPERS(generic)

#if XPB_ROW_X86
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
XPB_ROW_WRAPPERS(avx2)
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")
#endif
XPB_ROW_WRAPPERS(avx512)
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

template <class T>
RowFns<T> row_fns_for(GemmIsa isa) {
#if XPB_ROW_X86
  if (isa == GemmIsa::avx512) return fns_avx512<T>();
  if (isa == GemmIsa::avx2) return fns_avx2<T>();
#endif
  (void)isa;
  return fns_generic<T>();
}

template <class T>
RowFns<T> row_fns() {
  static const RowFns<T> chosen = row_fns_for<T>(best_host_isa());
  return chosen;
}
template RowFns<float> row_fns<float>();
template RowFns<double> row_fns<double>();
template RowFns<float> row_fns_for<float>(GemmIsa);
template RowFns<double> row_fns_for<double>(GemmIsa);

}  // namespace xpb::nn::detail
