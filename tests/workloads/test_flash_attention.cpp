// tests/workloads/test_flash_attention.cpp — the tiled attention (nn/attention_kernels.hpp)
// against a double-precision naive reference, causal and bidirectional, with T not a multiple of
// the tile; its exp against std::exp; its backward against finite differences in double; and its
// bits: Serial = OpenMP, host micro-kernels = portable loop nest.
//
// Tolerances come from a first-order rounding analysis of fp32 (unit roundoff u = 2^-24), not
// from the kernel's output: a sum of n products carries at most γ_n ≈ n·u of the sum of the
// magnitudes of its terms. Chains: scores (D products), softmax normalisation and the sums over
// positions (≤ T terms), exp and the scalar steps (≤ 10 roundings). A score error of δs becomes a
// relative error δs in p, so each output's bound sums, over the terms that form it, |term| times
// ((T + 10)·u + the relative error of its p) — evaluated on the double reference with absolute
// values — and is doubled to cover the second-order terms.
#include <Kokkos_Core.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/base/rng.hpp"
#include "tests/workloads/grad_check.hpp"
#include "workloads/nn/attention_kernels.hpp"
#include "workloads/nn/fixed_math_avx512.hpp"

using namespace xpb;

namespace {

using Exec = Kokkos::DefaultExecutionSpace;

// The inputs in the default memory space (a GPU's on a device build: the device check runs these
// tests there) and their host copies, which the references read.
struct Inputs {
  nn::Matrix<float> qkv, dout;
  nn::Matrix<float>::host_mirror_type hqkv, hdout;
};

Inputs make_inputs(const nn::AttentionShape& s, std::uint64_t seed) {
  const int N = s.B * s.T;
  Inputs in{nn::Matrix<float>("qkv", N, 3 * s.C), nn::Matrix<float>("dout", N, s.C), {}, {}};
  in.hqkv = Kokkos::create_mirror_view(in.qkv);
  in.hdout = Kokkos::create_mirror_view(in.dout);
  const Rng rng(seed, 3);
  for (std::size_t i = 0; i < in.hqkv.span(); ++i) in.hqkv.data()[i] = float(rng.normal(i));
  for (std::size_t i = 0; i < in.hdout.span(); ++i) in.hdout.data()[i] = float(rng.normal(1u << 24 | i));
  Kokkos::deep_copy(in.qkv, in.hqkv);
  Kokkos::deep_copy(in.dout, in.hdout);
  return in;
}

// A view's elements on the host, in its layout order.
template <class View>
std::vector<float> on_host(const View& v) {
  const auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  return std::vector<float>(h.data(), h.data() + h.span());
}

struct Outputs {
  std::vector<float> out, dqkv, lse;
};

// Runs the tiled forward and backward; `portable` pins the portable loop nest on Serial.
Outputs run_flash(const nn::AttentionShape& s, const Inputs& in, int which) {
  const int N = s.B * s.T;
  nn::Matrix<float> out("out", N, s.C), dqkv("dqkv", N, 3 * s.C), lse("lse", s.B * s.H, s.T);
  if (which == 0) {
    nn::flash_attention_forward<Exec, float>(Exec(), "t/flash", s, out, lse, in.qkv);
    nn::flash_attention_backward<Exec, float>(Exec(), "t/flash", s, dqkv, in.dout, in.qkv, out, lse);
  } else {
#if defined(KOKKOS_ENABLE_SERIAL)
    using S = Kokkos::Serial;
    if (which == 1) {
      nn::flash_attention_forward<S, float>(S(), "t/flash", s, out, lse, in.qkv);
      nn::flash_attention_backward<S, float>(S(), "t/flash", s, dqkv, in.dout, in.qkv, out, lse);
    } else {
      nn::detail::flash_attention_forward_portable<S, float>(S(), "t/flash", s, out, lse, in.qkv);
      nn::detail::flash_attention_backward_portable<S, float>(S(), "t/flash", s, dqkv, in.dout, in.qkv, out,
                                                              lse);
    }
#endif
  }
  Kokkos::fence();
  return {on_host(out), on_host(dqkv), on_host(lse)};
}

// Runs the GPU-shaped team kernels (nn/attention_teams.hpp) on a host space: team_size 0 is
// Kokkos::AUTO; level is the scratch level (-1: the backend's choice).
template <class Space>
Outputs run_teams(const nn::AttentionShape& s, const Inputs& in, int team_size, int level) {
  const int N = s.B * s.T;
  nn::Matrix<float> out("out", N, s.C), dqkv("dqkv", N, 3 * s.C), lse("lse", s.B * s.H, s.T);
  // The kernels overwrite what they write (their rows accumulate in place): start from garbage.
  Kokkos::deep_copy(out, std::numeric_limits<float>::quiet_NaN());
  Kokkos::deep_copy(dqkv, std::numeric_limits<float>::quiet_NaN());
  nn::detail::flash_attention_forward_teams<Space, float>(Space(), "t/teams", s, out, lse, in.qkv, team_size,
                                                          level);
  nn::detail::flash_attention_backward_teams<Space, float>(Space(), "t/teams", s, dqkv, in.dout, in.qkv, out,
                                                           lse, team_size, level);
  Kokkos::fence();
  return {on_host(out), on_host(dqkv), on_host(lse)};
}

bool same_bits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

// The same bits, except that any two NaNs match: which of an fma's NaN operands its result carries
// (sign and payload) depends on the instruction form the compiler picks, not on the arithmetic.
bool same_bits_or_nan(const std::vector<float>& x, const std::vector<float>& y) {
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (std::memcmp(&x[i], &y[i], sizeof(float)) != 0 && !(std::isnan(x[i]) && std::isnan(y[i])))
      return false;
  return true;
}

// Double reference of out and dqkv with the rounding bound of each element (see the top).
struct Reference {
  std::vector<double> out, dqkv, tol_out, tol_dqkv;
};

Reference reference(const nn::AttentionShape& s, const Inputs& in) {
  const int B = s.B, TT = s.T, H = s.H, C = s.C, D = s.D(), N = B * TT;
  const double u = std::ldexp(1.0, -24), scale = 1.0 / std::sqrt(double(D));
  const double chain = (TT + 10) * u;
  Reference r{std::vector<double>(N * C, 0.0), std::vector<double>(N * 3 * C, 0.0),
              std::vector<double>(N * C, 0.0), std::vector<double>(N * 3 * C, 0.0)};
  auto qkv = [&](int n, int c) { return double(in.hqkv(n, c)); };
  auto go = [&](int n, int c) { return double(in.hdout(n, c)); };
  std::vector<double> p(TT), A(TT), ds(TT), E(TT);
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h) {
      const int q0 = h * D, k0 = C + h * D, v0 = 2 * C + h * D;
      for (int t = 0; t < TT; ++t) {
        const int n = b * TT + t, last = s.causal ? t : TT - 1;
        double mx = -1e300, sum = 0;
        for (int j = 0; j <= last; ++j) {
          double dot = 0, mag = 0;
          for (int d = 0; d < D; ++d) {
            dot += qkv(n, q0 + d) * qkv(b * TT + j, k0 + d);
            mag += std::fabs(qkv(n, q0 + d) * qkv(b * TT + j, k0 + d));
          }
          p[j] = dot * scale;
          A[j] = D * u * mag * scale + chain;  // relative error of p_j
          mx = std::max(mx, p[j]);
        }
        for (int j = 0; j <= last; ++j) sum += (p[j] = std::exp(p[j] - mx));
        for (int j = 0; j <= last; ++j) p[j] /= sum;
        // Forward output and Δ = Σ dO·O.
        double delta = 0, delta_mag = 0;
        for (int d = 0; d < D; ++d) {
          double o = 0, t_o = 0;
          for (int j = 0; j <= last; ++j) {
            const double v = qkv(b * TT + j, v0 + d);
            o += p[j] * v;
            t_o += p[j] * std::fabs(v) * (A[j] + chain);
          }
          r.out[n * C + h * D + d] = o;
          r.tol_out[n * C + h * D + d] = 2 * t_o;
          delta += go(n, h * D + d) * o;
          delta_mag += std::fabs(go(n, h * D + d) * o);
        }
        // dS and its error bound E.
        for (int j = 0; j <= last; ++j) {
          double dp = 0, dp_mag = 0;
          for (int d = 0; d < D; ++d) {
            dp += go(n, h * D + d) * qkv(b * TT + j, v0 + d);
            dp_mag += std::fabs(go(n, h * D + d) * qkv(b * TT + j, v0 + d));
          }
          ds[j] = p[j] * (dp - delta) * scale;
          E[j] = scale * p[j] * (A[j] * std::fabs(dp - delta) + D * u * (dp_mag + delta_mag));
        }
        for (int j = 0; j <= last; ++j) {
          const int nj = b * TT + j;
          for (int d = 0; d < D; ++d) {
            const double q = qkv(n, q0 + d), k = qkv(nj, k0 + d), g = go(n, h * D + d);
            r.dqkv[n * 3 * C + q0 + d] += ds[j] * k;
            r.tol_dqkv[n * 3 * C + q0 + d] += 2 * (std::fabs(ds[j] * k) * chain + E[j] * std::fabs(k));
            r.dqkv[nj * 3 * C + k0 + d] += ds[j] * q;
            r.tol_dqkv[nj * 3 * C + k0 + d] += 2 * (std::fabs(ds[j] * q) * chain + E[j] * std::fabs(q));
            r.dqkv[nj * 3 * C + v0 + d] += p[j] * g;
            r.tol_dqkv[nj * 3 * C + v0 + d] += 2 * p[j] * std::fabs(g) * (A[j] + chain);
          }
        }
      }
    }
  return r;
}

// Largest |x − ref| / tol over the elements (≤ 1 passes).
double worst_ratio(const std::vector<float>& x, const std::vector<double>& ref,
                   const std::vector<double>& tol) {
  double w = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = std::max(tol[i], 1e-30);
    w = std::max(w, std::fabs(double(x[i]) - ref[i]) / t);
  }
  return w;
}

}  // namespace

TEST_CASE("flash attention: exp_fixed is within 4 ulp of std::exp", "[attention][flash]") {
  // Derivation: the reduction adds ≤ 1 rounding relative to |r| ≤ ln2/2, Horner's 7 fused steps
  // ≤ 7 roundings each scaled by ≤ e^{0.35}/… < 1.5, the final product 1, the Taylor tail < 6e-9
  // ≈ 0.1 ulp: ≤ 4 ulp (u = 2^-24 relative each, ulp = 2u).
  double worst_f = 0, worst_d = 0;
  for (int i = -8600; i <= 8790; ++i) {  // inside the clamp [-87, 88]
    const double x = i * 0.01 + 0.00314159;
    const double ref = std::exp(x);
    worst_f = std::max(worst_f,
                       std::fabs(double(nn::detail::exp_fixed(float(x))) - std::exp(double(float(x)))) / ref);
    worst_d = std::max(worst_d, std::fabs(nn::detail::exp_fixed(x) - ref) / ref);
  }
  CHECK(worst_f <= 4 * std::ldexp(1.0, -23));
  CHECK(worst_d <= 4 * std::ldexp(1.0, -52));
}

#if XPB_FIXED_MATH_AVX512
namespace {
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))) void exp16(const float* x, float* y) {
  _mm512_storeu_ps(y, nn::detail::exp_fixed_16<true>(_mm512_loadu_ps(x)));
}
}  // namespace
#endif

// The AVX-512 exp (nn/fixed_math_avx512.hpp) against exp_fixed on 2^21 evenly spaced arguments in
// [−100, 100] and on the clamps' edges: a step that rounds differently (a product not fused where the scalar
// code fuses it) shows on a few in 10^4 arguments, so on dozens of these.
TEST_CASE("flash attention: the AVX-512 exp gives exp_fixed's bits", "[attention][flash]") {
#if XPB_FIXED_MATH_AVX512
  if (!nn::detail::host_isa_supported(nn::GemmIsa::avx512)) SKIP("this CPU has no AVX-512");
  std::vector<float> x;
  const int n = 1 << 21;
  for (int i = 0; i < n; ++i) x.push_back(float(-100.0 + 200.0 * i / n));
  for (const float v :
       {-87.0f, 88.0f, -0.0f, 0.0f, std::nextafter(-87.0f, 0.0f), std::nextafter(88.0f, 0.0f)})
    x.push_back(v);
  x.resize((x.size() + 15) / 16 * 16, 1.0f);
  std::vector<float> got(x.size()), want(x.size());
  for (std::size_t i = 0; i < x.size(); i += 16) exp16(&x[i], &got[i]);
  for (std::size_t i = 0; i < x.size(); ++i) want[i] = nn::detail::exp_fixed(x[i]);
  CHECK(same_bits(got, want));
#else
  SKIP("not an x86-64 build with GCC or clang");
#endif
}

TEST_CASE("flash attention matches a double reference within fp32 rounding bounds", "[attention][flash]") {
  for (const bool causal : {true, false}) {
    for (const int TT : {1, 37, 100, 130}) {
      for (const int D : {8, 64}) {
        const nn::AttentionShape s{2, TT, 2, 2 * D, causal};
        INFO("causal=" << causal << " T=" << TT << " D=" << D);
        const Inputs in = make_inputs(s, 11 + TT + D);
        const Outputs got = run_flash(s, in, 0);
        const Reference ref = reference(s, in);
        CHECK(worst_ratio(got.out, ref.out, ref.tol_out) <= 1.0);
        CHECK(worst_ratio(got.dqkv, ref.dqkv, ref.tol_dqkv) <= 1.0);
      }
    }
  }
}

TEST_CASE("flash attention backward matches finite differences in double", "[attention][flash]") {
  for (const bool causal : {true, false}) {
    const nn::AttentionShape s{2, 70, 2, 12, causal};  // T spans two tiles, D = 6
    const int N = s.B * s.T;
    nn::Matrix<double> qkv("qkv", N, 3 * s.C), r("r", N, s.C), out("out", N, s.C), dqkv("dqkv", N, 3 * s.C),
        lse("lse", s.B * s.H, s.T);
    // The perturbed inputs live on the host; each loss evaluation copies them to the kernels'
    // memory space and the output back (a no-op copy on a host build).
    auto hqkv = Kokkos::create_mirror_view(qkv), hr = Kokkos::create_mirror_view(r),
         hout = Kokkos::create_mirror_view(out);
    test::fill_normal(hqkv.data(), N * 3 * s.C, 1, 1.0);
    test::fill_normal(hr.data(), N * s.C, 2, 1.0);
    Kokkos::deep_copy(r, hr);
    auto loss = [&] {
      Kokkos::deep_copy(qkv, hqkv);
      nn::flash_attention_forward<Exec, double>(Exec(), "t/flash", s, out, lse, qkv);
      Kokkos::deep_copy(hout, out);
      double L = 0;
      for (std::size_t i = 0; i < hout.span(); ++i) L += hout.data()[i] * hr.data()[i];
      return L;
    };
    loss();
    nn::flash_attention_backward<Exec, double>(Exec(), "t/flash", s, dqkv, r, qkv, out, lse);
    const auto hdqkv = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), dqkv);
    const auto g = test::grad_check(
        hqkv.data(), N * 3 * s.C, loss, [&](std::int64_t i) { return hdqkv.data()[i]; }, 200, 7,
        // h = 1e-5: the loss sums 1,680 terms, so the rounding noise
        // of a difference (∝ terms/h) needs a larger step than T = 4
        1e-5);
    CHECK(g.worst < 1e-6);
  }
}

TEST_CASE("flash attention: same bits on Serial, OpenMP and the portable loop nest",
          "[attention][flash][determinism]") {
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
  for (const bool causal : {true, false}) {
    const nn::AttentionShape s{2, 150, 3, 48, causal};
    const Inputs in = make_inputs(s, 5);
    const Outputs a = run_flash(s, in, 0), b = run_flash(s, in, 1), c = run_flash(s, in, 2);
    const auto same = same_bits;
    CHECK(same(a.out, b.out));
    CHECK(same(a.dqkv, b.dqkv));
    CHECK(same(a.out, c.out));
    CHECK(same(a.dqkv, c.dqkv));
    CHECK(same(a.lse, c.lse));
  }
#else
  SKIP("needs both the Serial and the OpenMP backend");
#endif
}

// The kernels that device spaces run (a thread per row, keys staged per team) against the host
// kernels, bit for bit: the same chains in the same order, whatever the team size and scratch
// level. Shapes: T not a multiple of either tile (150 = 2·64 + 22), T shorter than a tile, and
// head widths of 16, 64 and an odd 21.
TEST_CASE("flash attention: the GPU-shaped team kernels give the host kernels' bits",
          "[attention][flash][determinism]") {
  const nn::AttentionShape shapes[] = {{2, 150, 3, 48, true},
                                       {2, 150, 3, 48, false},
                                       {1, 40, 2, 128, true},
                                       {1, 130, 3, 63, true},
                                       {1, 130, 3, 63, false}};
  if (!std::is_same<Exec::memory_space, Kokkos::HostSpace>::value)
    SKIP("a device build runs the team kernels as its attention: the double reference checks them");
  for (const nn::AttentionShape& s : shapes) {
    INFO("T " << s.T << ", D " << s.D() << (s.causal ? ", causal" : ", bidirectional"));
    const Inputs in = make_inputs(s, 11);
    const Outputs host = run_flash(s, in, 0);
    // Teams of several threads share the staged tiles between barriers (AUTO gives 1 on OpenMP).
    const int wide = Exec().concurrency() >= 2 ? 2 : 1;
    for (const int level : {0, 1})
      for (const int team_size : {0, wide}) {
        INFO("scratch level " << level << ", team size " << team_size);
        const Outputs t = run_teams<Exec>(s, in, team_size, level);
        CHECK(same_bits(host.out, t.out));
        CHECK(same_bits(host.lse, t.lse));
        CHECK(same_bits(host.dqkv, t.dqkv));
      }
#if defined(KOKKOS_ENABLE_SERIAL)
    const Outputs t = run_teams<Kokkos::Serial>(s, in, 1, -1);
    CHECK(same_bits(host.out, t.out));
    CHECK(same_bits(host.dqkv, t.dqkv));
#endif
  }
}

// Their scratch does not grow with T (the portable backward's held whole heads) and fits the
// 20 MB that Kokkos gives a GPU team at level 1, up to head width 1024.
TEST_CASE("flash attention: team scratch is independent of T and within GPU limits", "[attention][flash]") {
  for (const int D : {16, 64, 128, 1024}) {
    INFO("D " << D);
    CHECK(nn::detail::team_fwd_scratch(D) * sizeof(double) < 20u * 1024 * 1024);
    CHECK(nn::detail::team_bwd_scratch(D) * sizeof(double) < 20u * 1024 * 1024);
  }
  // At D = 64 in fp32 every kernel's scratch fits the 40 KiB of level 0 that Kokkos 3.4 gives a
  // CUDA team (outputs and gradients accumulate in place). Forward: one tile of 96 key rows
  // (padded to 65; K, then V) plus 16 rows of scores (padded to 97) and three numbers, 30.6 KiB.
  // NAME_bwd_q: the tile's rows (V, then K), 16 rows of dS, lse and Δ, 30.6 KiB. NAME_bwd_kv:
  // 16 own keys' K and V, 32 queries' Q and dO (all padded), their lse and Δ, P and dS for
  // 16 × 32 pairs (padded to 33), 28.8 KiB.
  CHECK(nn::detail::team_fwd_scratch(64) * sizeof(float) == (96 * 65 + 16 * (97 + 3)) * 4);
  CHECK(nn::detail::team_bwd_q_scratch(64) * sizeof(float) == (96 * 65 + 16 * 97 + 2 * 16) * 4);
  CHECK(nn::detail::team_bwd_kv_scratch(64) * sizeof(float) ==
        (2 * 16 * 65 + 2 * 32 * 65 + 2 * 32 + 2 * 16 * 33) * 4);
  CHECK(nn::detail::team_fwd_scratch(64) * sizeof(float) <= 40u * 1024);
  CHECK(nn::detail::team_bwd_scratch(64) * sizeof(float) <= 40u * 1024);
}

// The vector packing copies (AVX-512: 16 × 16 blocks, AVX2: 8 × 8, masked at the edges), each
// that this CPU runs, against the loop they replace, on every edge: rows and columns short of, at
// and past a block, padding rows, no rows at all, and strides wider than the block. The
// destination starts as a pattern of its own and must end as the loop leaves it, bit for bit,
// including what neither touches; the source holds -0 and a NaN payload, which only a copy keeps.
TEST_CASE("flash attention: the vector packing copy writes exactly what the loop writes",
          "[attention][flash]") {
  const float nan_payload = [] {
    const std::uint32_t bits = 0x7fc01234u;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }();
  int isas = 0;
  for (const nn::GemmIsa isa : {nn::GemmIsa::avx512, nn::GemmIsa::avx2}) {
    const auto tr = nn::detail::packing_transpose_fn<float>(isa);
    if (!tr || !nn::detail::host_isa_supported(isa)) continue;
    ++isas;
    int cases = 0;
    for (const int rows : {0, 1, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33, 64})
      for (const int pad : {0, 3, 11})
        for (const int cols : {1, 7, 8, 16, 21, 48, 64, 65}) {
          const int rows_pad = rows + pad;
          if (rows_pad == 0) continue;
          const std::ptrdiff_t lds = cols + 5, ldd = rows_pad + (cols % 2 ? 0 : 7);
          std::vector<float> src(std::size_t(rows + 1) * lds);
          for (std::size_t i = 0; i < src.size(); ++i) src[i] = float(i) * 0.25f - 100.0f;
          if (rows > 0) src[0] = -0.0f;
          if (rows > 2) src[2 * lds + cols - 1] = nan_payload;
          std::vector<float> want(std::size_t(cols) * ldd + 16), got;
          for (std::size_t i = 0; i < want.size(); ++i) want[i] = -float(i) - 0.5f;
          got = want;
          nn::detail::transpose_rows(src.data(), lds, rows, rows_pad, cols, want.data(), ldd);
          tr(src.data(), lds, rows, rows_pad, cols, got.data(), ldd);
          INFO(nn::to_string(isa) << ": rows " << rows << " rows_pad " << rows_pad << " cols " << cols);
          CHECK(same_bits(got, want));
          ++cases;
        }
    CHECK(cases == 13 * 3 * 8 - 8);
  }
  if (isas == 0) SKIP("this CPU's host bodies pack with the loop itself");
}

// The vector row updates of the softmax (exp_sum_rows, prob_grad_rows), each that this CPU runs,
// against the loops they replace, bit for bit (NaNs as NaNs): row lengths around the 16-lane blocks (0
// included: such a row is left as it is), arguments past exp_fixed's clamps at both ends, ±inf, NaN and −0
// among the scores, and elements past each row's length, which neither may touch.
TEST_CASE("flash attention: the vector softmax rows give the loops' bits", "[attention][flash]") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  int isas = 0;
  for (const nn::GemmIsa isa : {nn::GemmIsa::avx512, nn::GemmIsa::avx2}) {
    const nn::detail::FlashRowFns<float> fns = nn::detail::flash_row_fns<float>(isa);
    if (!fns.exp_sum || !nn::detail::host_isa_supported(isa)) continue;
    REQUIRE(fns.prob_grad);
    ++isas;
    const int lengths[] = {0, 1, 5, 15, 16, 17, 31, 32, 33, 47, 60, 95, 96, 0, 100};
    const int R = sizeof lengths / sizeof lengths[0], ld = 112;
    const Rng rng(17, 5);
    std::vector<float> s(std::size_t(R) * ld), g(s.size()), shift(R), lse(R), delta(R);
    for (std::size_t e = 0; e < s.size(); ++e) {
      s[e] = float(rng.normal(e)) * (e % 3 == 0 ? 1000.0f : 4.0f);  // one in three past −87 or 88
      g[e] = float(rng.normal(e + s.size()));
    }
    for (const int e : {5 * ld + 3, 10 * ld + 50, 12 * ld + 95}) s[e] = nan;  // live elements all
    s[6 * ld + 2] = inf;
    s[2 * ld + 3] = -inf;
    s[3 * ld] = -0.0f;
    for (int i = 0; i < R; ++i) {
      shift[i] = float(rng.normal(1000 + i)) * 10.0f;
      lse[i] = float(rng.normal(2000 + i)) * 10.0f;
      delta[i] = float(rng.normal(3000 + i));
    }
    const float scale = 0.375f;
    std::vector<float> want = s, got = s, want_sum(R, -1.0f), got_sum(R, -2.0f);
    nn::detail::exp_sum_rows(want.data(), ld, R, lengths, scale, shift.data(), want_sum.data());
    fns.exp_sum(got.data(), ld, R, lengths, scale, shift.data(), got_sum.data());
    INFO(nn::to_string(isa));
    CHECK(same_bits_or_nan(got, want));
    CHECK(same_bits_or_nan(got_sum, want_sum));
    std::vector<float> want_g = g, got_g = g;
    want = got = s;
    nn::detail::prob_grad_rows(want.data(), want_g.data(), ld, R, lengths, scale, lse.data(), delta.data());
    fns.prob_grad(got.data(), got_g.data(), ld, R, lengths, scale, lse.data(), delta.data());
    CHECK(same_bits_or_nan(got, want));
    CHECK(same_bits_or_nan(got_g, want_g));
    CHECK(same_bits(std::vector<float>(got.begin() + ld * (R - 2), got.begin() + ld * (R - 1)),
                    std::vector<float>(s.begin() + ld * (R - 2), s.begin() + ld * (R - 1))));
  }
  if (isas == 0) SKIP("this CPU's host bodies run the loops themselves");
}
