// tests/workloads/test_rownorm_kernels.cpp — the layernorm and softmax row kernels
// (nn/rownorm_kernels.hpp): the same bits on Serial and OpenMP (the partial-row reduction of the
// parameter gradients depends on N only), and dw, db equal to double sums over all rows within
// the fp32 rounding of a sum of N terms (N·u of the sum of magnitudes, u = 2^-24).
#include <Kokkos_Core.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/base/rng.hpp"
#include "workloads/nn/layernorm.hpp"
#include "workloads/nn/rownorm_kernels.hpp"

using namespace xpb;

namespace {

template <class View>
void fill(const View& v, std::uint64_t stream, float offset = 0) {
  const Rng rng(9, stream);
  for (std::size_t i = 0; i < v.span(); ++i) v.data()[i] = offset + float(rng.normal(i));
}

struct Out {
  std::vector<float> y, dx, dw, db, sy, sdx;
};

template <class Space>
Out run(int N, int C) {
  nn::Matrix<float> x("x", N, C), y("y", N, C), dy("dy", N, C), dx("dx", N, C), sy("sy", N, C),
      sdx("sdx", N, C);
  nn::Vec<float> w("w", C), b("b", C), dw("dw", C), db("db", C), mean("m", N), rstd("r", N);
  fill(x, 1, 0.5f);
  fill(dy, 2);
  fill(w, 3, 1.0f);
  fill(b, 4);
  fill(dx, 5);  // backward adds into dx
  const Space sp;
  nn::layernorm_forward<Space, float>(sp, "t/ln", y, mean, rstd, x, w, b);
  nn::layernorm_backward<Space, float>(sp, "t/ln", dx, dw, db, dy, x, w, mean, rstd);
  nn::rownorm_softmax_forward<Space, float>(sp, "t/sm_fwd", sy, x);
  nn::rownorm_softmax_backward<Space, float>(sp, "t/sm_bwd", sdx, sy, dy);
  Kokkos::fence();
  auto vec = [](const auto& v) { return std::vector<float>(v.data(), v.data() + v.span()); };
  return {vec(y), vec(dx), vec(dw), vec(db), vec(sy), vec(sdx)};
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
  const double u = std::ldexp(1.0, -24);
  for (int c = 0; c < C; ++c) {
    double gw = 0, gb = 0, mw = 0, mb = 0;
    for (int n = 0; n < N; ++n) {
      const double xhat = (double(x(n, c)) - mean(n)) * rstd(n);  // the saved fp32 statistics
      gw += double(dy(n, c)) * xhat;
      gb += dy(n, c);
      mw += std::fabs(double(dy(n, c)) * xhat);
      mb += std::fabs(dy(n, c));
    }
    INFO("c=" << c);
    // Each term carries ≤ 3 roundings (x − mean, ·rstd, ·dy), the sum ≤ N: (N + 3)·u·Σ|term|.
    CHECK(std::fabs(dw(c) - gw) <= (N + 3) * u * mw);
    CHECK(std::fabs(db(c) - gb) <= N * u * mb);
  }
}
