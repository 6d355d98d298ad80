// workloads/nn/attention_host.cpp — the host tile bodies of the tiled attention
// (nn/attention_kernels.hpp), compiled once per ISA so that the softmax, exp and packing loops
// vectorise at the CPU's width (the project builds without -march). Each wrapper lives in its own
// target region and flattens the shared body into itself; no contraction of a·b+c into fma
// happens in any of them (ISO C++ mode), so every ISA gives the same bits as the portable loop
// nest. The tile products call the GEMM micro-kernels either way.
#include "workloads/nn/attention_kernels.hpp"

#include "workloads/nn/gemm_microkernel.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define XPB_ATTN_X86 1
#else
#define XPB_ATTN_X86 0
#endif

namespace xpb::nn::detail {

#define XPB_FLASH_WRAPPERS(SUFFIX)                                                                           \
  template <class T>                                                                                         \
  __attribute__((flatten)) void fwd_##SUFFIX(const HostTileOps<T>& ops, const HeadPtrs<T>& hp, T* out,       \
                                             T* lse, int TT, int D, bool causal, T scale, int i0, int group, \
                                             T* scr) {                                                       \
    flash_fwd_tiles(ops, hp, out, lse, TT, D, causal, scale, i0, group, scr);                                \
  }                                                                                                          \
  template <class T>                                                                                         \
  __attribute__((flatten)) void bwd_##SUFFIX(const HostTileOps<T>& ops, const HeadPtrs<T>& hp, const T* lse, \
                                             T* dq, T* dk, T* dv, int TT, int D, bool causal, T scale,       \
                                             T* scr) {                                                       \
    flash_bwd_head(ops, hp, lse, dq, dk, dv, TT, D, causal, scale, scr);                                     \
  }                                                                                                          \
  template void fwd_##SUFFIX<float>(const HostTileOps<float>&, const HeadPtrs<float>&, float*, float*, int,  \
                                    int, bool, float, int, int, float*);                                     \
  template void fwd_##SUFFIX<double>(const HostTileOps<double>&, const HeadPtrs<double>&, double*, double*,  \
                                     int, int, bool, double, int, int, double*);                             \
  template void bwd_##SUFFIX<float>(const HostTileOps<float>&, const HeadPtrs<float>&, const float*, float*, \
                                    float*, float*, int, int, bool, float, float*);                          \
  template void bwd_##SUFFIX<double>(const HostTileOps<double>&, const HeadPtrs<double>&, const double*,     \
                                     double*, double*, double*, int, int, bool, double, double*);

XPB_FLASH_WRAPPERS(generic)

#if XPB_ATTN_X86
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
XPB_FLASH_WRAPPERS(avx2)
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
XPB_FLASH_WRAPPERS(avx512)
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

template <class T>
FlashHostFns<T> flash_host_fns() {
#if XPB_ATTN_X86
  switch (best_host_isa()) {
    case GemmIsa::avx512: return {fwd_avx512<T>, bwd_avx512<T>};
    case GemmIsa::avx2: return {fwd_avx2<T>, bwd_avx2<T>};
    default: break;
  }
#endif
  return {fwd_generic<T>, bwd_generic<T>};
}
template FlashHostFns<float> flash_host_fns<float>();
template FlashHostFns<double> flash_host_fns<double>();

}  // namespace xpb::nn::detail
