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
bool vendor_gemm_available();       // false when no vendor BLAS was compiled in
std::string vendor_gemm_library();  // "cblas", "cublas" (opened at run time), "none"
// What the native path runs here: "avx512", "avx2", "scalar" (host micro-kernels) or "portable".
std::string native_gemm_kernel();

template <class T>
using Matrix = Kokkos::View<T**, Kokkos::LayoutRight>;

// C = alpha·op(A)·op(B) + beta·C. `label` names the Kokkos kernel and its ledger entry.
void gemm(const char* label, GemmPath path, bool trans_a, bool trans_b, float alpha,
          const Matrix<const float>& A, const Matrix<const float>& B, float beta, const Matrix<float>& C);
void gemm(const char* label, GemmPath path, bool trans_a, bool trans_b, double alpha,
          const Matrix<const double>& A, const Matrix<const double>& B, double beta, const Matrix<double>& C);

// Ledger entry of one such call (2·M·N·K FLOPs; A, B read once, C read and written).
KernelCost gemm_cost(const std::string& label, DType dtype, double M, double N, double K, bool beta_nonzero);

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
void gemm_native_host(const ExecSpace& space, const char* label, GemmIsa isa, bool trans_a, bool trans_b,
                      int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta, T* C,
                      int ldc);

// fma that compiles for host and device; exact (one rounding) everywhere.
template <class T>
KOKKOS_INLINE_FUNCTION T fma_exact(T a, T b, T c) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
  return ::fma(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

// Portable kernel for any execution space (GPU backends): a team per (TS, TS) tile of C; per
// k tile of 16 the A and B tiles are staged in level-0 scratch (loaded so that neighbouring
// threads read neighbouring elements of A and B as they lie in memory), and each thread index
// updates a 4 × 4 micro-tile held in registers for the 16 steps (4 + 4 scratch loads per 16 fma),
// with the running sums kept in scratch between k tiles. Each element is the same ascending fma
// chain as the host kernel's, so the bits do not depend on TS, the team size or the backend's
// scheduling. TS: 64 where the scratch (A, B and the sums: 24 KiB in fp32) fits the backend's
// level-0 limit, else 32 or 16 (fp64 on CUDA with Kokkos 3.4: 32); `tile` forces one and
// team_size > 0 sets the team size (tests; 0: Kokkos::AUTO).
template <int TS, class ExecSpace, class T>
void gemm_portable_tiles(
    const ExecSpace& space, const char* label, bool trans_a, bool trans_b, T alpha,
    const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& A,
    const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& B, T beta,
    const Kokkos::View<T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& C, int team_size = 0) {
  constexpr int BK = 16, MR = 4, TM = TS / MR;
  static_assert(TS % MR == 0, "the tile is a whole number of micro-tiles");
  using Policy = Kokkos::TeamPolicy<ExecSpace>;
  using Member = typename Policy::member_type;
  const int M = static_cast<int>(C.extent(0)), N = static_cast<int>(C.extent(1));
  const int K = static_cast<int>(trans_a ? A.extent(0) : A.extent(1));
  const int tiles_n = (N + TS - 1) / TS;
  const int league = ((M + TS - 1) / TS) * tiles_n;
  const std::size_t bytes = std::size_t(2 * BK * TS + TS * TS) * sizeof(T);
  const bool ta = trans_a, tb = trans_b;
  Kokkos::parallel_for(
      label,
      (team_size > 0 ? Policy(space, league, team_size) : Policy(space, league, Kokkos::AUTO))
          .set_scratch_size(0, Kokkos::PerTeam(bytes)),
      KOKKOS_LAMBDA(const Member& team) {
        const int i0 = (team.league_rank() / tiles_n) * TS, j0 = (team.league_rank() % tiles_n) * TS;
        T* As = static_cast<T*>(team.team_scratch(0).get_shmem(bytes));  // (BK, TS): As[kk·TS + r]
        T* Bs = As + BK * TS;                                            // (BK, TS): Bs[kk·TS + c]
        T* Ws = Bs + BK * TS;                                            // (TS, TS) running sums
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, TS * TS), [&](const int e) { Ws[e] = T(0); });
        for (int k0 = 0; k0 < K; k0 += BK) {
          team.team_barrier();
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, BK * TS), [&](const int e) {
            // op(A)(i, k) is A(i, k), rows contiguous along k, or A(k, i), contiguous along i.
            const int r = ta ? e % TS : e / BK, ka = ta ? e / TS : e % BK;
            const int ia = i0 + r, kk = k0 + ka;
            As[ka * TS + r] = (ia < M && kk < K) ? (ta ? A(kk, ia) : A(ia, kk)) : T(0);
            const int c = tb ? e / BK : e % TS, kb = tb ? e % BK : e / TS;
            const int jb = j0 + c, kq = k0 + kb;
            Bs[kb * TS + c] = (kq < K && jb < N) ? (tb ? B(jb, kq) : B(kq, jb)) : T(0);
          });
          team.team_barrier();
          const int kn = K - k0 < BK ? K - k0 : BK;
          Kokkos::parallel_for(Kokkos::TeamThreadRange(team, TM * TM), [&](const int t) {
            const int r0 = (t / TM) * MR, c0 = (t % TM) * MR;
            T acc[MR][MR];
            for (int i = 0; i < MR; ++i)
              for (int j = 0; j < MR; ++j) acc[i][j] = Ws[(r0 + i) * TS + c0 + j];
            for (int kk = 0; kk < kn; ++kk) {
              T a[MR], b[MR];
              for (int i = 0; i < MR; ++i) a[i] = As[kk * TS + r0 + i];
              for (int j = 0; j < MR; ++j) b[j] = Bs[kk * TS + c0 + j];
              for (int i = 0; i < MR; ++i)
                for (int j = 0; j < MR; ++j) acc[i][j] = fma_exact(a[i], b[j], acc[i][j]);
            }
            for (int i = 0; i < MR; ++i)
              for (int j = 0; j < MR; ++j) Ws[(r0 + i) * TS + c0 + j] = acc[i][j];
          });
        }
        team.team_barrier();
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, TS * TS), [&](const int e) {
          const int i = i0 + e / TS, j = j0 + e % TS;
          if (i >= M || j >= N) return;
          const T w = alpha * Ws[e];
          C(i, j) = beta == T(0) ? w : fma_exact(beta, C(i, j), w);
        });
      });
}

template <class ExecSpace, class T>
void gemm_portable(const ExecSpace& space, const char* label, bool trans_a, bool trans_b, T alpha,
                   const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& A,
                   const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& B,
                   T beta, const Kokkos::View<T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& C,
                   int tile = 0) {
  if (tile == 0) {
    const std::size_t limit = std::size_t(Kokkos::TeamPolicy<ExecSpace>::scratch_size_max(0));
    auto fits = [&](int ts) { return std::size_t(2 * 16 * ts + ts * ts) * sizeof(T) <= limit; };
    tile = fits(64) ? 64 : (fits(32) ? 32 : 16);
  }
  if (tile == 64)
    gemm_portable_tiles<64>(space, label, trans_a, trans_b, alpha, A, B, beta, C);
  else if (tile == 32)
    gemm_portable_tiles<32>(space, label, trans_a, trans_b, alpha, A, B, beta, C);
  else
    gemm_portable_tiles<16>(space, label, trans_a, trans_b, alpha, A, B, beta, C);
}

}  // namespace detail
}  // namespace xpb::nn
