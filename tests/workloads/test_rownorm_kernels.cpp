// tests/workloads/test_rownorm_kernels.cpp — the layernorm and softmax row kernels
// (nn/rownorm_kernels.hpp): the same bits on Serial and OpenMP (the partial-row reduction of the
// parameter gradients depends on N only), and dw, db equal to double sums over all rows within
// the fp32 rounding of a sum of N terms (N·u of the sum of magnitudes, u = 2^-24). The row bodies
// compiled per ISA (nn/rownorm_host.cpp: layer norm, softmax, GELU) equal the portable bodies
// compiled here, bit for bit, on every ISA this CPU runs: it fails if a per-ISA build contracts
// a·b+c into an fma (drop -ffp-contract=off) or a wrapper calls the wrong body.
#include <Kokkos_Core.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "core/base/rng.hpp"
#include "workloads/nn/adamw.hpp"
#include "workloads/nn/gelu.hpp"
#include "workloads/nn/layernorm.hpp"
#include "workloads/nn/rownorm_kernels.hpp"

using namespace xpb;

namespace {

// Views of the default memory space (a GPU's on a device build, where the device check runs
// these tests), filled and read through host mirrors.
template <class View>
void fill(const View& v, std::uint64_t stream, float offset = 0) {
  const Rng rng(9, stream);
  auto h = Kokkos::create_mirror_view(v);
  for (std::size_t i = 0; i < h.span(); ++i) h.data()[i] = offset + float(rng.normal(i));
  Kokkos::deep_copy(v, h);
}

struct Out {
  std::vector<float> y, dx, dw, db, sy, sdx, part;
};

// Inputs (x, dy, w, b, and dx, which backward adds into) and outputs of one run.
struct Views {
  nn::Matrix<float> x, y, dy, dx, sy, sdx;
  nn::Vec<float> w, b, dw, db, mean, rstd, part;
  Views(int N, int C)
      : x("x", N, C),
        y("y", N, C),
        dy("dy", N, C),
        dx("dx", N, C),
        sy("sy", N, C),
        sdx("sdx", N, C),
        w("w", C),
        b("b", C),
        dw("dw", C),
        db("db", C),
        mean("m", N),
        rstd("r", N),
        part("part", std::size_t(nn::layernorm_blocks(N)) * 2 * C) {
    fill(x, 1, 0.5f);
    fill(dy, 2);
    fill(w, 3, 1.0f);
    fill(b, 4);
    fill(dx, 5);
  }
  Out out() const {
    Kokkos::fence();
    auto vec = [](const auto& v) {
      const auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
      return std::vector<float>(h.data(), h.data() + h.span());
    };
    return {vec(y), vec(dx), vec(dw), vec(db), vec(sy), vec(sdx), vec(part)};
  }
};

template <class Space>
Out run(int N, int C) {
  const Views v(N, C);
  const Space sp;
  nn::layernorm_forward<Space, float>(sp, "t/ln", v.y, v.mean, v.rstd, v.x, v.w, v.b);
  nn::rownorm_layernorm_backward<Space, float>(sp, "t/ln", v.dx, v.dw, v.db, v.dy, v.x, v.w, v.mean, v.rstd,
                                               v.part);
  nn::rownorm_softmax_forward<Space, float>(sp, "t/sm_fwd", v.sy, v.x);
  nn::rownorm_softmax_backward<Space, float>(sp, "t/sm_bwd", v.sdx, v.sy, v.dy);
  return v.out();
}

// The device (team) kernels of nn/rownorm_teams.hpp on a host space: team size 0 through the
// public entry points (teams = true, Kokkos::AUTO, as device spaces call them: dw, db too),
// else the kernels with that team size (dx and the partial rows; dw, db stay zero).
template <class Space>
Out run_teams(int N, int C, int team_size) {
  const Views v(N, C);
  const Space sp;
  if (team_size == 0) {
    nn::rownorm_layernorm_forward<Space, float>(sp, "t/ln_fwd", v.y, v.mean, v.rstd, v.x, v.w, v.b, true);
    nn::rownorm_layernorm_backward<Space, float>(sp, "t/ln", v.dx, v.dw, v.db, v.dy, v.x, v.w, v.mean, v.rstd,
                                                 v.part, true);
    nn::rownorm_softmax_forward<Space, float>(sp, "t/sm_fwd", v.sy, v.x, true);
    nn::rownorm_softmax_backward<Space, float>(sp, "t/sm_bwd", v.sdx, v.sy, v.dy, true);
  } else {
    nn::team_layernorm_forward<Space, float>(sp, "t/ln_fwd", v.y, v.mean, v.rstd, v.x, v.w, v.b, team_size);
    nn::team_layernorm_backward_rows<Space, float>(sp, "t/ln_bwd", v.dx, v.dy, v.x, v.w, v.mean, v.rstd,
                                                   v.part, team_size);
    nn::team_softmax_forward<Space, float>(sp, "t/sm_fwd", v.sy, v.x, team_size);
    nn::team_softmax_backward<Space, float>(sp, "t/sm_bwd", v.sdx, v.sy, v.dy, team_size);
  }
  return v.out();
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("row kernels: same bits on Serial and OpenMP", "[layernorm][softmax][determinism]") {
#if defined(KOKKOS_ENABLE_SERIAL) && defined(KOKKOS_ENABLE_OPENMP)
  for (const int N : {1, 77, 5000}) {
    INFO("N=" << N);
    const Out a = run<Kokkos::Serial>(N, 200), b = run<Kokkos::OpenMP>(N, 200);
    CHECK(same(a.y, b.y));
    CHECK(same(a.dx, b.dx));
    CHECK(same(a.dw, b.dw));
    CHECK(same(a.db, b.db));
    CHECK(same(a.sy, b.sy));
    CHECK(same(a.sdx, b.sdx));
  }
#else
  SKIP("needs both the Serial and the OpenMP backend");
#endif
}

TEST_CASE("layernorm parameter gradients equal double sums over the rows", "[layernorm]") {
  const int N = 5000, C = 131;  // 40 partial blocks of 125 rows; C not a multiple of the lanes
  nn::Matrix<float> x("x", N, C), y("y", N, C), dy("dy", N, C), dx("dx", N, C);
  nn::Vec<float> w("w", C), b("b", C), dw("dw", C), db("db", C), mean("m", N), rstd("r", N);
  fill(x, 1, 0.5f);
  fill(dy, 2);
  fill(w, 3, 1.0f);
  fill(b, 4);
  using E = Kokkos::DefaultExecutionSpace;
  nn::layernorm_forward<E, float>(E(), "t/ln", y, mean, rstd, x, w, b);
  nn::layernorm_backward<E, float>(E(), "t/ln", dx, dw, db, dy, x, w, mean, rstd);
  Kokkos::fence();
  const auto on_host = [](const auto& v) {
    return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  };
  const auto hx = on_host(x), hdy = on_host(dy);
  const auto hmean = on_host(mean), hrstd = on_host(rstd), hdw = on_host(dw), hdb = on_host(db);
  const double u = std::ldexp(1.0, -24);
  for (int c = 0; c < C; ++c) {
    double gw = 0, gb = 0, mw = 0, mb = 0;
    for (int n = 0; n < N; ++n) {
      const double xhat = (double(hx(n, c)) - hmean(n)) * hrstd(n);  // the saved fp32 statistics
      gw += double(hdy(n, c)) * xhat;
      gb += hdy(n, c);
      mw += std::fabs(double(hdy(n, c)) * xhat);
      mb += std::fabs(hdy(n, c));
    }
    INFO("c=" << c);
    // Each term carries ≤ 3 roundings (x − mean, ·rstd, ·dy), the sum ≤ N: (N + 3)·u·Σ|term|.
    CHECK(std::fabs(hdw(c) - gw) <= (N + 3) * u * mw);
    CHECK(std::fabs(hdb(c) - gb) <= N * u * mb);
  }
}

namespace {

template <class T>
std::vector<T> values(std::size_t n, std::uint64_t stream, double scale, double offset = 0) {
  const Rng rng(11, stream);
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = T(offset + scale * rng.normal(i));
  return v;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Every row body of one ISA's build against the portable body, on N rows of C (tails included).
template <class T>
void check_isa_rows(nn::GemmIsa isa, int N, int C) {
  const auto f = nn::detail::row_fns_for<T>(isa);
  const std::size_t n = std::size_t(N) * C;
  // Inputs: x spans GELU's tails (|x| up to ~12) and softmax's range; w, b near 1 and 0.
  const auto x = values<T>(n, 1, 3.0), dy = values<T>(n, 2, 1.0), w = values<T>(C, 3, 0.2, 1.0),
             b = values<T>(C, 4, 0.2), dx0 = values<T>(n, 5, 1.0);
  std::vector<T> ya(n), yb(n), ma(N), mb(N), ra(N), rb(N);
  // The ISA's block of rows (phases over the rows) against the portable body row by row.
  f.ln_fwd(x.data(), C, ya.data(), C, w.data(), b.data(), 0, N, C, ma.data(), ra.data());
  for (int r = 0; r < N; ++r)
    nn::detail::ln_fwd_row(&x[r * C], &yb[r * C], w.data(), b.data(), C, &mb[r], &rb[r]);
  CHECK(same_bits(ya, yb));
  CHECK(same_bits(ma, mb));
  CHECK(same_bits(ra, rb));
  std::vector<T> dxa = dx0, dxb = dx0, pa(2 * C), pb(2 * C);
  f.ln_bwd(x.data(), C, dy.data(), C, dxa.data(), C, w.data(), ma.data(), ra.data(), 0, N, C, pa.data(),
           pa.data() + C);
  nn::detail::ln_bwd_block(x.data(), C, dy.data(), C, dxb.data(), C, w.data(), mb.data(), rb.data(), 0, N, C,
                           pb.data(), pb.data() + C);
  CHECK(same_bits(dxa, dxb));
  CHECK(same_bits(pa, pb));
  std::vector<T> sa(n), sb(n), ga(n), gb(n);
  f.sm_fwd(x.data(), C, sa.data(), C, 0, N, C);  // the ISA's block of rows
  for (int r = 0; r < N; ++r) {
    nn::detail::sm_fwd_row(&x[r * C], &sb[r * C], C);
    f.sm_bwd(&sb[r * C], &dy[r * C], &ga[r * C], C);
    nn::detail::sm_bwd_row(&sb[r * C], &dy[r * C], &gb[r * C], C);
  }
  CHECK(same_bits(sa, sb));
  CHECK(same_bits(ga, gb));
  // Rows [1, N) of a padded layout (leading dimension C + 3): the same bits, and nothing written
  // outside them (row 0 and the padding keep their sentinel).
  const int ld = C + 3;
  std::vector<T> xp(std::size_t(N) * ld), sp(std::size_t(N) * ld, T(-7));
  for (int r = 0; r < N; ++r)
    for (int c = 0; c < C; ++c) xp[std::size_t(r) * ld + c] = x[std::size_t(r) * C + c];
  f.sm_fwd(xp.data(), ld, sp.data(), ld, 1, N, C);
  bool padded_same = true;
  for (int r = 0; r < N; ++r)
    for (int c = 0; c < ld; ++c) {
      const T got = sp[std::size_t(r) * ld + c];
      const T want = r == 0 || c >= C ? T(-7) : sb[std::size_t(r) * C + c];
      padded_same = padded_same && std::memcmp(&got, &want, sizeof(T)) == 0;
    }
  CHECK(padded_same);
  std::vector<T> qa(n), qb(n), la(N), lb(N);
  for (int r = 0; r < N; ++r) {
    const int y = r == 1 ? -1 : (r * 5) % C;  // row 1 has no target
    la[r] = f.ce_fwd(&x[r * C], &qa[r * C], C, y);
    lb[r] = nn::detail::ce_fwd_row(&x[r * C], &qb[r * C], C, y);
  }
  CHECK(same_bits(qa, qb));
  CHECK(same_bits(la, lb));
  CHECK(same_bits(qa, sa));  // the softmax's probabilities, the same arithmetic
  std::vector<T> ea(n), eb(n), da(n), db(n);
  for (int r = 0; r < N; ++r) {
    f.gelu_fwd(&x[r * C], &ea[r * C], C);
    nn::detail::gelu_fwd_row(&x[r * C], &eb[r * C], C);
    f.gelu_bwd(&x[r * C], &dy[r * C], &da[r * C], C);
    nn::detail::gelu_bwd_row(&x[r * C], &dy[r * C], &db[r * C], C);
  }
  CHECK(same_bits(ea, eb));
  CHECK(same_bits(da, db));
  // AdamW over the n elements as one span, the first half decayed; v from squares (>= 0).
  const nn::detail::AdamWStep<T> st{T(0.01) / T(0.19), T(0.9),  T(0.1),         T(0.99), T(0.01),
                                    T(0.0199),         T(1e-8), T(1) - T(1e-3), T(0.75)};
  std::vector<T> p1 = x, p2 = x, m1 = dy, m2 = dy, v1(n), v2;
  for (std::size_t i = 0; i < n; ++i) v1[i] = dx0[i] * dx0[i];
  v2 = v1;
  f.adamw(p1.data(), dx0.data(), m1.data(), v1.data(), 0, std::int64_t(n), std::int64_t(n / 2), st);
  nn::detail::adamw_span(p2.data(), dx0.data(), m2.data(), v2.data(), 0, std::int64_t(n), std::int64_t(n / 2),
                         st);
  CHECK(same_bits(p1, p2));
  CHECK(same_bits(m1, m2));
  CHECK(same_bits(v1, v2));
  CHECK(!same_bits(p1, x));  // the step moved the parameters
}

}  // namespace

TEST_CASE("row bodies compiled per ISA equal the portable bodies bit for bit",
          "[layernorm][softmax][gelu][adamw]") {
  int checked = 0;
  for (const nn::GemmIsa isa : {nn::GemmIsa::scalar, nn::GemmIsa::avx2, nn::GemmIsa::avx512}) {
    if (!nn::detail::host_isa_supported(isa)) continue;
    ++checked;
    for (const int C : {1, 7, 16, 33, 100, 257, 1024}) {
      INFO("isa=" << nn::to_string(isa) << " C=" << C);
      check_isa_rows<float>(isa, nn::detail::kRowChunkMax, C);  // a full block of layer-norm rows
      check_isa_rows<double>(isa, 5, C);
    }
  }
  CHECK(checked >= 1);
}

// The softmax's exponentials at and past exp_fixed's clamp (arguments below −87 and a whole row
// of them), and non-finite logits: the AVX-512 float sweep is written out in intrinsics
// (nn/rownorm_host.cpp), so its clamp and rounding steps are checked where the normal inputs
// above never reach. Finite rows must give the portable bits; NaN must stay NaN where it was.
TEST_CASE("softmax per ISA equals the portable body at exp_fixed's clamp and on non-finite input",
          "[softmax]") {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (const nn::GemmIsa isa : {nn::GemmIsa::scalar, nn::GemmIsa::avx2, nn::GemmIsa::avx512}) {
    if (!nn::detail::host_isa_supported(isa)) continue;
    const auto f = nn::detail::row_fns_for<float>(isa);
    for (const int C : {16, 48, 257}) {
      INFO("isa=" << nn::to_string(isa) << " C=" << C);
      // Row 0 falls by 0.7 per element (past −87 from element 125); row 1 lies wholly below the
      // clamp but its first element; row 2 straddles t = x·log2(e) = −125.5 (n = −126, a tie);
      // row 3 alternates 0 and −88 − v/3.
      std::vector<float> x(4 * std::size_t(C));
      for (int v = 0; v < C; ++v) {
        x[v] = -0.7f * float(v);
        x[C + v] = v == 0 ? 50.0f : -60.0f - float(v);
        x[2 * C + v] = -86.99f - 0.001f * float(v % 20);
        x[3 * C + v] = v % 2 == 0 ? 0.0f : -88.0f - float(v) / 3.0f;
      }
      std::vector<float> a(x.size()), b(x.size());
      f.sm_fwd(x.data(), C, a.data(), C, 0, 4, C);
      for (int r = 0; r < 4; ++r) nn::detail::sm_fwd_row(&x[r * C], &b[r * C], C);
      CHECK(same_bits(a, b));
      for (int r = 0; r < 4; ++r) {
        const float la = f.ce_fwd(&x[r * C], &a[r * C], C, C - 1);
        const float lb = nn::detail::ce_fwd_row(&x[r * C], &b[r * C], C, C - 1);
        CHECK(std::memcmp(&la, &lb, sizeof la) == 0);
      }
      CHECK(same_bits(a, b));
      // Non-finite logits: +inf makes the row's max inf (inf − inf is NaN), NaN stays NaN.
      for (const float bad : {kInf, -kInf, std::numeric_limits<float>::quiet_NaN()}) {
        std::vector<float> y = values<float>(std::size_t(C), 7, 3.0);
        y[C / 2] = bad;
        std::vector<float> ya(y.size()), yb(y.size());
        f.sm_fwd(y.data(), C, ya.data(), C, 0, 1, C);
        nn::detail::sm_fwd_row(y.data(), yb.data(), C);
        for (int v = 0; v < C; ++v) {
          INFO("bad=" << bad << " v=" << v << " isa " << ya[v] << " portable " << yb[v]);
          if (std::isnan(yb[v]))
            CHECK(std::isnan(ya[v]));
          else
            CHECK(std::memcmp(&ya[v], &yb[v], sizeof(float)) == 0);
        }
      }
    }
  }
}

// The same over a million exponents (256 rows of 4096 logits, normal with σ = 15, so x − max lies
// mostly in [−85, −20]): an operation of the written-out AVX-512 exponential that rounds differently
// from the portable code only now and then (a fused multiply-add where the product is not exact
// changes about one input in 10^4) shows here, where the few hundred inputs above miss it.
TEST_CASE("softmax per ISA equals the portable body over a million exponents", "[softmax]") {
  constexpr int kRows = 256, kCols = 4096;
  const std::vector<float> x = values<float>(std::size_t(kRows) * kCols, 13, 15.0);
  for (const nn::GemmIsa isa : {nn::GemmIsa::scalar, nn::GemmIsa::avx2, nn::GemmIsa::avx512}) {
    if (!nn::detail::host_isa_supported(isa)) continue;
    INFO("isa=" << nn::to_string(isa));
    const auto f = nn::detail::row_fns_for<float>(isa);
    std::vector<float> a(x.size()), b(x.size());
    f.sm_fwd(x.data(), kCols, a.data(), kCols, 0, kRows, kCols);
    for (int r = 0; r < kRows; ++r)
      nn::detail::sm_fwd_row(&x[std::size_t(r) * kCols], &b[std::size_t(r) * kCols], kCols);
    CHECK(same_bits(a, b));
    for (int r = 0; r < kRows; ++r) {
      const float la = f.ce_fwd(&x[std::size_t(r) * kCols], &a[std::size_t(r) * kCols], kCols, r);
      const float lb =
          nn::detail::ce_fwd_row(&x[std::size_t(r) * kCols], &b[std::size_t(r) * kCols], kCols, r);
      CHECK(std::memcmp(&la, &lb, sizeof la) == 0);
    }
    CHECK(same_bits(a, b));
  }
}

// The kernels device spaces run (a team per row, sums over kLanes threads then folded in order)
// give the host row bodies' bits: same lane order, same fold, same tail. C = 1000 has a ragged
// tail (1000 = 62·16 + 8), C = 7 no whole lane group; N = 70 gives a short last block of rows;
// C = 2101 takes three staging passes (nn::detail::kStage = 1024 elements each) and a tail.
TEST_CASE("row kernels: the GPU-shaped team kernels give the host bodies' bits",
          "[layernorm][softmax][determinism]") {
  using Exec = Kokkos::DefaultExecutionSpace;
  const int wide = Exec().concurrency() >= 2 ? 2 : 1;
  static_assert(2101 > 2 * nn::detail::kStage && 2101 % nn::detail::kLanes != 0, "three passes and a tail");
  for (const auto& [N, C] : {std::pair{70, 1000}, std::pair{33, 7}, std::pair{64, 256}, std::pair{9, 2101}}) {
    INFO("N " << N << ", C " << C);
    const Out host = run<Exec>(N, C);
    for (const int team_size : {0, wide}) {
      INFO("team size " << team_size);
      const Out t = run_teams<Exec>(N, C, team_size);
      CHECK(same(host.y, t.y));
      CHECK(same(host.dx, t.dx));
      CHECK(same(host.part, t.part));
      if (team_size == 0) {
        CHECK(same(host.dw, t.dw));
        CHECK(same(host.db, t.db));
      }
      CHECK(same(host.sy, t.sy));
      CHECK(same(host.sdx, t.sdx));
    }
#if defined(KOKKOS_ENABLE_SERIAL)
    // (On a device build the views are the device's: the comparison above is then the team
    // kernels at two team sizes on the GPU.)
    if (Kokkos::SpaceAccessibility<Kokkos::Serial, Exec::memory_space>::accessible) {
      const Out t = run_teams<Kokkos::Serial>(N, C, 1);
      CHECK(same(host.y, t.y));
      CHECK(same(host.dx, t.dx));
      CHECK(same(host.part, t.part));
      CHECK(same(host.sy, t.sy));
      CHECK(same(host.sdx, t.sdx));
    }
#endif
  }
}
