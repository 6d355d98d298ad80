// workloads/nn/gemm_microkernel.hpp — the host register-blocked GEMM micro-kernels, per ISA.
// A micro-kernel continues MR×NR fused multiply-add chains over kc packed steps: every element
// does acc = fma(a_k, b_k, acc) for k ascending, one rounding per step, so AVX-512, AVX2 and the
// scalar kernel give bit-identical results. Chosen at run time from what the CPU supports; the
// build stays portable (no -march). It does not block, pack or thread: gemm.cpp does that.
#pragma once

#include <cstddef>
#include <string>

namespace xpb::nn {

// Which host micro-kernel the native GEMM uses. `automatic` picks the widest the CPU supports.
enum class GemmIsa { automatic, scalar, avx2, avx512 };
std::string to_string(GemmIsa isa);

namespace detail {

// Packed operands (dimension letters: MR, NR micro-tile, kc packed depth):
//   Ap (kc, MR)  — column r of step k at Ap[k*MR + r]
//   Bp (kc, NR)  — row of step k at Bp[k*NR]
//   W  (MR, NR)  — running sums, row stride ldw; read unless `first`, always written
template <class T>
using MicroKernelFn = void (*)(int kc, const T* Ap, const T* Bp, T* W, int ldw, bool first);
// The same with B read in place: row k of the (kc, NR) block at B[k*ldb] (small M, where packing
// B would cost more than it saves). Identical arithmetic.
template <class T>
using StridedMicroKernelFn = void (*)(int kc, const T* Ap, const T* B, int ldb, T* W, int ldw, bool first);

// The same with A read in place too: element (k, r) at A[k·ak + r·ar]. Identical arithmetic.
template <class T>
using InPlaceMicroKernelFn = void (*)(int kc, const T* A, int ak, int ar, const T* B, int ldb, T* W, int ldw,
                                      bool first);

// C(i, j) = beta == 0 ? alpha·W(i, j) : fma(beta, C(i, j), alpha·W(i, j)) on a rows×cols block.
template <class T>
using EpilogueFn = void (*)(int rows, int cols, const T* W, int ldw, T* C, int ldc, T alpha, T beta);

// The GEMM epilogue (nn/gemm.hpp) on a rows × cols block of finished C (row stride ldc): bias (cols,
// or null), residual (rows × cols, row stride ldr, or null), ReLU, gate (row stride ldg, or null),
// per element in that order.
template <class T>
using FinishFn = void (*)(int rows, int cols, T* C, int ldc, const T* bias, const T* residual, int ldr,
                          bool relu, const T* gate, int ldg);

template <class T>
struct MicroKernel {
  GemmIsa isa = GemmIsa::scalar;
  int mr = 0, nr = 0;  // micro-tile rows and columns
  MicroKernelFn<T> run = nullptr;
  StridedMicroKernelFn<T> run_strided = nullptr;
  EpilogueFn<T> epilogue = nullptr;
  InPlaceMicroKernelFn<T> run_in_place = nullptr;
  FinishFn<T> finish = nullptr;  // the epilogue at this ISA's width
  // For a last panel of at most tail_mr live rows (small M): run_in_place over tail_mr rows, A
  // read from the packed (kc, MR) panel (ak = MR, ar = 1), B in place. The same chains for the
  // rows it computes, so the same bits; the panel's other rows of W are left as they were.
  // Null (tail_mr 0) where the full panel is cheap enough.
  int tail_mr = 0;
  InPlaceMicroKernelFn<T> run_tail = nullptr;
};

// The packing copy as a transpose: dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols, and +0
// for rows ≤ r < rows_pad (detail::transpose_rows, nn/attention_kernels.hpp, is its loop). The
// vector form for `isa` (fp32, AVX2 and AVX-512: blocks transposed in registers), or nullptr where
// there is none (the callers' loops). Used by the GEMM's packing and the attention tiles; defined
// with the attention's per-ISA bodies (attention_host.cpp). Copies only: the same bits.
template <class T>
using TransposeFn = void (*)(const T* src, std::ptrdiff_t lds, int rows, int rows_pad, int cols, T* dst,
                             std::ptrdiff_t ldd);
template <class T>
TransposeFn<T> packing_transpose_fn(GemmIsa isa);

// The widest ISA this CPU (and OS) supports among those compiled in.
GemmIsa best_host_isa();
// True when `isa` can run here (automatic and scalar always can).
bool host_isa_supported(GemmIsa isa);
// The kernel for `isa` (automatic → best_host_isa()); asserts the ISA is supported here.
const MicroKernel<float>& micro_kernel_f32(GemmIsa isa);
const MicroKernel<double>& micro_kernel_f64(GemmIsa isa);

template <class T>
const MicroKernel<T>& micro_kernel(GemmIsa isa);
template <>
inline const MicroKernel<float>& micro_kernel<float>(GemmIsa isa) {
  return micro_kernel_f32(isa);
}
template <>
inline const MicroKernel<double>& micro_kernel<double>(GemmIsa isa) {
  return micro_kernel_f64(isa);
}
// A kernel one vector wide for `isa` where its regular one is wider (AVX-512: 12×16 fp32, 12×8
// fp64), else the regular one: for products whose columns are only that wide (attention heads of
// 16), which the regular tile would pad to twice their width. Same chains, so the same bits.
template <class T>
const MicroKernel<T>& narrow_micro_kernel(GemmIsa isa);

}  // namespace detail
}  // namespace xpb::nn
