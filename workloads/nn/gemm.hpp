// workloads/nn/gemm.hpp — dense matrix multiply C = alpha·op(A)·op(B) + beta·C on Kokkos Views.
// Two paths: `native` (a Kokkos kernel; every C element accumulates over k in ascending order in
// one fused multiply-add chain, so results are bit-identical for any thread count, backend and
// host ISA) and `vendor` (CBLAS on the host, cuBLAS where Kokkos has CUDA; faster, ordering up to
// the library). Row-major (LayoutRight) only. Shapes: op(A) (M, K), op(B) (K, N), C (M, N).
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>
#include <type_traits>

#include "core/plugin/ledger.hpp"
#include "workloads/nn/fixed_math.hpp"  // fma_exact
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

// What a GEMM does to each element of C after C = alpha·op(A)·op(B) + beta·C, in this order:
// adds bias[j]; adds residual(i, j) (a residual connection); applies the ReLU (x > 0 ? x : 0);
// keeps it only where gate(i, j) > 0 (the ReLU backward of the layer whose output is `gate`).
// The same operations, one rounding per add (an add commutes exactly), as the separate bias,
// residual, ReLU and ReLU-backward kernels, so the same bits; fused, C is finished while its tile
// is in cache instead of read and written again by each of them. Pointers are in the memory of
// the space the GEMM runs in; residual and gate must not be C itself.
template <class T>
struct GemmEpilogue {
  const T* bias = nullptr;      // (N)
  const T* residual = nullptr;  // (M, ld_residual) row-major
  int ld_residual = 0;
  bool relu = false;
  const T* gate = nullptr;  // (M, ld_gate) row-major
  int ld_gate = 0;
  bool empty() const { return bias == nullptr && residual == nullptr && !relu && gate == nullptr; }
};
// Which of those a GEMM's ledger entry is charged for.
struct EpilogueOps {
  bool bias = false, residual = false, relu = false, gate = false;
};

// C = alpha·op(A)·op(B) + beta·C, then `ep`. `label` names the Kokkos kernel and its ledger
// entry. The native path applies `ep` inside the GEMM kernel; the vendor path, whose library
// cannot, in a second kernel, LABEL_epilogue.
void gemm(const char* label, GemmPath path, bool trans_a, bool trans_b, float alpha,
          const Matrix<const float>& A, const Matrix<const float>& B, float beta, const Matrix<float>& C,
          const GemmEpilogue<float>& ep = {});
void gemm(const char* label, GemmPath path, bool trans_a, bool trans_b, double alpha,
          const Matrix<const double>& A, const Matrix<const double>& B, double beta, const Matrix<double>& C,
          const GemmEpilogue<double>& ep = {});

// Ledger entry of one such call without an epilogue (2·M·N·K FLOPs; A, B read once, C read and
// written).
KernelCost gemm_cost(const std::string& label, DType dtype, double M, double N, double K, bool beta_nonzero);
// The entries of one call with epilogue `ep` on `path`: native, the GEMM charged one operation per
// element of C for each epilogue step and the reads of bias (N), residual and gate (M·N each);
// vendor, the plain GEMM and LABEL_epilogue, a vector kernel reading and writing C.
Ledger gemm_costs(const std::string& label, DType dtype, double M, double N, double K, bool beta_nonzero,
                  GemmPath path, EpilogueOps ep);

namespace detail {

// Element (i, j) of C, v, after the epilogue (GemmEpilogue).
template <class T>
KOKKOS_INLINE_FUNCTION T apply_epilogue(const GemmEpilogue<T>& ep, int i, int j, T v) {
  if (ep.bias) v += ep.bias[j];
  if (ep.residual) v += ep.residual[static_cast<std::int64_t>(i) * ep.ld_residual + j];
  if (ep.relu) v = v > T(0) ? v : T(0);
  if (ep.gate) v = ep.gate[static_cast<std::int64_t>(i) * ep.ld_gate + j] > T(0) ? v : T(0);
  return v;
}

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
                      int ldc, const GemmEpilogue<T>& ep = {});

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
    const Kokkos::View<T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& C, int team_size = 0,
    const GemmEpilogue<T>& ep = {}) {
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
          C(i, j) = apply_epilogue(ep, i, j, beta == T(0) ? w : fma_exact(beta, C(i, j), w));
        });
      });
}

// Register-tiled kernel for large products on GPUs: a team of (BM/8)·(BN/8) threads per (BM, BN)
// tile of C, each thread keeping an 8 × 8 block of sums in registers for the whole k loop (the
// tile kernel above keeps them in scratch between k tiles). A thread's rows are two groups of four
// half a tile apart, 4·ty + {0..3} and BM/2 + 4·ty + {0..3} (its columns likewise), so that the
// threads of a warp read consecutive scratch words, four at a time. Per k tile of 8 the team
// stages op(A) and op(B) in level-0 scratch, rows padded by 4 words (a warp's stores of A then
// fall in distinct banks), and loads the next k tile from memory into registers while it
// multiplies the current one. Each element is the same ascending fma chain as everywhere else
// (the k tail runs only its kn < 8 steps), so the bits are the host kernel's. The team size is
// fixed by the tile: 256 threads at 128 × 128 (a GPU); the tests run 8 × 8, 16 × 8 and 8 × 16
// tiles (1 and 2 threads) on the host.
template <int BM, int BN, class ExecSpace, class T>
struct RegisterTileGemm {
  static constexpr int BK = 8, TX = BN / 8, TY = BM / 8, kThreads = TX * TY;
  static constexpr int AP = BM + 4, BP = BN + 4;                          // padded scratch rows
  static constexpr int LA = BK * BM / kThreads, LB = BK * BN / kThreads;  // staged per thread
  static_assert(BM % 8 == 0 && BN % 8 == 0 && (BK * BM) % kThreads == 0 && (BK * BN) % kThreads == 0,
                "the tile is a whole number of 8 x 8 thread blocks and of staging steps");
  using Mem = typename ExecSpace::memory_space;
  using Policy = Kokkos::TeamPolicy<ExecSpace, Kokkos::LaunchBounds<kThreads, 2>>;
  static constexpr std::size_t kScratch = std::size_t(BK * (AP + BP)) * sizeof(T);

  Kokkos::View<const T**, Kokkos::LayoutRight, Mem> A, B;
  Kokkos::View<T**, Kokkos::LayoutRight, Mem> C;
  bool ta, tb;
  T alpha, beta;
  int M, N, K, tiles_n;
  GemmEpilogue<T> ep;

  // Element s of this thread's share of op(A)'s k tile: its (row, k) in the tile, chosen so that
  // neighbouring threads take neighbouring elements as A lies in memory.
  KOKKOS_INLINE_FUNCTION void a_slot(int e, int& r, int& ka) const {
    r = ta ? e % BM : e / BK;
    ka = ta ? e / BM : e % BK;
  }
  KOKKOS_INLINE_FUNCTION void b_slot(int e, int& c, int& kb) const {
    c = tb ? e / BK : e % BN;
    kb = tb ? e % BK : e / BN;
  }
  KOKKOS_INLINE_FUNCTION void load(int t, int i0, int j0, int k0, T (&ra)[LA], T (&rb)[LB]) const {
    for (int s = 0; s < LA; ++s) {
      int r, ka;
      a_slot(t + s * kThreads, r, ka);
      const int i = i0 + r, k = k0 + ka;
      ra[s] = (i < M && k < K) ? (ta ? A(k, i) : A(i, k)) : T(0);
    }
    for (int s = 0; s < LB; ++s) {
      int c, kb;
      b_slot(t + s * kThreads, c, kb);
      const int j = j0 + c, k = k0 + kb;
      rb[s] = (k < K && j < N) ? (tb ? B(j, k) : B(k, j)) : T(0);
    }
  }
  KOKKOS_INLINE_FUNCTION void stage(int t, T* As, T* Bs, const T (&ra)[LA], const T (&rb)[LB]) const {
    for (int s = 0; s < LA; ++s) {
      int r, ka;
      a_slot(t + s * kThreads, r, ka);
      As[ka * AP + r] = ra[s];
    }
    for (int s = 0; s < LB; ++s) {
      int c, kb;
      b_slot(t + s * kThreads, c, kb);
      Bs[kb * BP + c] = rb[s];
    }
  }
  // Four consecutive scratch words (16-byte aligned): one vector load on a GPU.
  KOKKOS_INLINE_FUNCTION static void load4(const T* p, T* out) {
#if defined(__CUDA_ARCH__)
    if constexpr (std::is_same<T, float>::value) {
      const float4 v = *reinterpret_cast<const float4*>(p);
      out[0] = v.x, out[1] = v.y, out[2] = v.z, out[3] = v.w;
    } else
#endif
    {
      for (int q = 0; q < 4; ++q) out[q] = p[q];
    }
  }
  KOKKOS_INLINE_FUNCTION void step(const T* As, const T* Bs, int kk, int ty, int tx, T (&acc)[8][8]) const {
    T a[8], b[8];
    load4(As + kk * AP + 4 * ty, a);
    load4(As + kk * AP + BM / 2 + 4 * ty, a + 4);
    load4(Bs + kk * BP + 4 * tx, b);
    load4(Bs + kk * BP + BN / 2 + 4 * tx, b + 4);
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) acc[i][j] = fma_exact(a[i], b[j], acc[i][j]);
  }
  KOKKOS_INLINE_FUNCTION void operator()(const typename Policy::member_type& team) const {
    const int t = team.team_rank(), tx = t % TX, ty = t / TX;
    const int i0 = (team.league_rank() / tiles_n) * BM, j0 = (team.league_rank() % tiles_n) * BN;
    T* As = static_cast<T*>(team.team_scratch(0).get_shmem_aligned(std::size_t(kScratch), 16));
    T* Bs = As + BK * AP;
    T acc[8][8], ra[LA], rb[LB];
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) acc[i][j] = T(0);
    load(t, i0, j0, 0, ra, rb);
    for (int k0 = 0; k0 < K; k0 += BK) {
      team.team_barrier();  // every thread is done reading the previous k tile
      stage(t, As, Bs, ra, rb);
      team.team_barrier();
      if (k0 + BK < K) load(t, i0, j0, k0 + BK, ra, rb);  // in flight while this tile multiplies
      if (K - k0 >= BK) {
        for (int kk = 0; kk < BK; ++kk) step(As, Bs, kk, ty, tx, acc);
      } else {
        for (int kk = 0; kk < K - k0; ++kk) step(As, Bs, kk, ty, tx, acc);
      }
    }
    for (int ii = 0; ii < 8; ++ii)
      for (int jj = 0; jj < 8; ++jj) {
        const int i = i0 + (ii / 4) * (BM / 2) + 4 * ty + ii % 4,
                  j = j0 + (jj / 4) * (BN / 2) + 4 * tx + jj % 4;
        if (i >= M || j >= N) continue;
        const T w = alpha * acc[ii][jj];
        C(i, j) = apply_epilogue(ep, i, j, beta == T(0) ? w : fma_exact(beta, C(i, j), w));
      }
  }
};

template <int BM, int BN, class ExecSpace, class T>
void gemm_register_tiles(
    const ExecSpace& space, const char* label, bool trans_a, bool trans_b, T alpha,
    const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& A,
    const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& B, T beta,
    const Kokkos::View<T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& C,
    const GemmEpilogue<T>& ep = {}) {
  using Kernel = RegisterTileGemm<BM, BN, ExecSpace, T>;
  const int M = static_cast<int>(C.extent(0)), N = static_cast<int>(C.extent(1));
  const int K = static_cast<int>(trans_a ? A.extent(0) : A.extent(1));
  const int tiles_n = (N + BN - 1) / BN, league = ((M + BM - 1) / BM) * tiles_n;
  const Kernel kernel{A, B, C, trans_a, trans_b, alpha, beta, M, N, K, tiles_n, ep};
  Kokkos::parallel_for(label,
                       typename Kernel::Policy(space, league, Kernel::kThreads)
                           .set_scratch_size(0, Kokkos::PerTeam(Kernel::kScratch + 16)),
                       kernel);
}

template <class ExecSpace, class T>
void gemm_portable(const ExecSpace& space, const char* label, bool trans_a, bool trans_b, T alpha,
                   const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& A,
                   const Kokkos::View<const T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& B,
                   T beta, const Kokkos::View<T**, Kokkos::LayoutRight, typename ExecSpace::memory_space>& C,
                   int tile = 0, const GemmEpilogue<T>& ep = {}) {
  if (tile == 0) {
    const std::size_t limit = std::size_t(Kokkos::TeamPolicy<ExecSpace>::scratch_size_max(0));
    auto fits = [&](int ts) { return std::size_t(2 * 16 * ts + ts * ts) * sizeof(T) <= limit; };
    tile = fits(64) ? 64 : (fits(32) ? 32 : 16);
    // fp32 products of at least 128 tiles of 128 × 128 on a device: the register kernel (its
    // 64 sums a thread are 128 registers in fp64, more than a thread of 256 may hold).
    const long tiles128 = long((C.extent(0) + 127) / 128) * long((C.extent(1) + 127) / 128);
    if (!std::is_same<typename ExecSpace::memory_space, Kokkos::HostSpace>::value &&
        std::is_same<T, float>::value && tiles128 >= 128)
      tile = 128;
  }
  if (tile == 128)
    gemm_register_tiles<128, 128>(space, label, trans_a, trans_b, alpha, A, B, beta, C, ep);
  else if (tile == 64)
    gemm_portable_tiles<64>(space, label, trans_a, trans_b, alpha, A, B, beta, C, 0, ep);
  else if (tile == 32)
    gemm_portable_tiles<32>(space, label, trans_a, trans_b, alpha, A, B, beta, C, 0, ep);
  else
    gemm_portable_tiles<16>(space, label, trans_a, trans_b, alpha, A, B, beta, C, 0, ep);
}

}  // namespace detail
}  // namespace xpb::nn
