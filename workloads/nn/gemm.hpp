// workloads/nn/gemm.hpp — dense matrix multiply C = alpha·op(A)·op(B) + beta·C on Kokkos Views.
// Two paths: `native` (a Kokkos kernel; every C element accumulates over k in ascending order in
// one fused multiply-add chain, so results are bit-identical for any thread count, backend and
// host ISA) and `vendor` (CBLAS on the host, cuBLAS where Kokkos has CUDA; faster, ordering up to
// the library). Row-major (LayoutRight) only. Shapes: op(A) (M, K), op(B) (K, N), C (M, N).
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#include "core/plugin/ledger.hpp"
#include "workloads/nn/gemm_microkernel.hpp"

namespace xpb::nn {

enum class GemmPath { native, vendor };
GemmPath parse_gemm_path(const std::string& s);  // "native" | "vendor"; asserts otherwise
// The choices of a workload's `gemm` parameter (ParamStruct::choice).
inline std::vector<std::pair<std::string, GemmPath>> gemm_path_choices() {
  return {{"native", GemmPath::native}, {"vendor", GemmPath::vendor}};
}
bool vendor_gemm_available();                    // false when no vendor BLAS was compiled in
std::string vendor_gemm_library();               // "cblas", "cublas" (opened at run time), "none"
// What the native path runs here: "avx512", "avx2", "scalar" (host micro-kernels) or "portable".
std::string native_gemm_kernel();

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

namespace detail {

// ------------------------------------------------------------------------------------------------
// The kernels behind `native`, exposed so that tests can pin the execution space and ISA.

// Host kernel: TeamPolicy over (MT, NC) tiles of C; per KC block each team packs B (KC, NC) and
// then, per MC-row sub-block, A (MC, KC) into team scratch and runs the register-blocked
// micro-kernel of `isa` over them (for M <= 2·MR it reads B in place instead of packing it).
// Tiling never changes the result (see above).
// Instantiated for the enabled host execution spaces (Serial, OpenMP, Threads). Raw row-major
// pointers with leading dimensions lda, ldb, ldc.
template <class ExecSpace, class T>
void gemm_native_host(const ExecSpace& space, const char* label, GemmIsa isa, bool trans_a,
                      bool trans_b, int M, int N, int K, T alpha, const T* A, int lda, const T* B,
                      int ldb, T beta, T* C, int ldc);

// fma that compiles for host and device; exact (one rounding) everywhere.
template <class T>
KOKKOS_INLINE_FUNCTION T fma_exact(T a, T b, T c) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
  return ::fma(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

// Portable kernel for any execution space (GPU backends): a team per (16, 16) tile of C, the A
// and B tiles staged in level-0 scratch, running sums kept in scratch between k tiles so that
// each element's chain is the same ascending fma chain as the host kernel's.
template <class ExecSpace, class T>
void gemm_portable(
    const ExecSpace& space, const char* label, bool trans_a, bool trans_b, T alpha,
    const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& A,
    const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& B, T beta,
    const Kokkos::View<T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& C) {
  constexpr int TS = 16;
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = typename Policy::member_type;
  using Tile = Kokkos::View<T[TS][TS], typename ExecSpace::scratch_memory_space,
                            Kokkos::MemoryTraits<Kokkos::Unmanaged>>;  // (TS, TS)
  const int M = static_cast<int>(C.extent(0)), N = static_cast<int>(C.extent(1));
  const int K = static_cast<int>(trans_a ? A.extent(0) : A.extent(1));
  const int tiles_n = (N + TS - 1) / TS;
  const int league = ((M + TS - 1) / TS) * tiles_n;
  const size_t bytes = 3 * Tile::shmem_size();
  const bool ta = trans_a, tb = trans_b;
  Policy policy(space, league, Kokkos::AUTO);
  Kokkos::parallel_for(
      label, policy.set_scratch_size(0, Kokkos::PerTeam(bytes)), KOKKOS_LAMBDA(const Member& team) {
        const int i0 = (team.league_rank() / tiles_n) * TS,
                  j0 = (team.league_rank() % tiles_n) * TS;
        Tile As(team.team_scratch(0)), Bs(team.team_scratch(0)), Ws(team.team_scratch(0));
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, TS * TS),
                             [&](const int e) { Ws(e / TS, e % TS) = T(0); });
        for (int k0 = 0; k0 < K; k0 += TS) {
          team.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, TS * TS), [&](const int e) {
            const int r = e / TS, c = e % TS;
            const int ia = i0 + r, ka = k0 + c, kb = k0 + r, jb = j0 + c;
            As(r, c) = (ia < M && ka < K) ? (ta ? A(ka, ia) : A(ia, ka)) : T(0);
            Bs(r, c) = (kb < K && jb < N) ? (tb ? B(jb, kb) : B(kb, jb)) : T(0);
          });
          team.team_barrier();
          const int kn = K - k0 < TS ? K - k0 : TS;
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, TS * TS), [&](const int e) {
            const int r = e / TS, c = e % TS;
            T acc = Ws(r, c);
            for (int kk = 0; kk < kn; ++kk) acc = fma_exact(As(r, kk), Bs(kk, c), acc);
            Ws(r, c) = acc;
          });
        }
        team.team_barrier();
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, TS * TS), [&](const int e) {
          const int i = i0 + e / TS, j = j0 + e % TS;
          if (i >= M || j >= N) return;
          const T w = alpha * Ws(e / TS, e % TS);
          C(i, j) = beta == T(0) ? w : fma_exact(beta, C(i, j), w);
        });
      });
}

}  // namespace detail
}  // namespace xpb::nn
