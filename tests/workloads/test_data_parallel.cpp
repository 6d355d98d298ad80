// tests/workloads/test_data_parallel.cpp — workloads/nn/data_parallel.hpp without a launcher: the
// canonical gradient fold on a group of one and rank counts for micro-batches. The multi-rank
// fold runs under real `mpirun -n 2` processes in tests/mpi/.
#include <Kokkos_Core.hpp>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <vector>

#include "workloads/nn/data_parallel.hpp"

using namespace xpb;

TEST_CASE("ranks_for picks the largest divisor of the micro-batches within the world", "[nn][distributed]") {
  CHECK(nn::ranks_for(1, 8) == 1);
  CHECK(nn::ranks_for(4, 2) == 2);
  CHECK(nn::ranks_for(4, 3) == 2);
  CHECK(nn::ranks_for(6, 4) == 3);
  CHECK(nn::ranks_for(8, 16) == 8);
  CHECK(nn::ranks_for(7, 4) == 1);
}

TEST_CASE("the gradient reducer folds micro-batches left to right from zero in fp32", "[nn][distributed]") {
  const std::int64_t n = 1000;
  const int M = 3;
  nn::GradientReducer<float> red(mpi::Group(), n, M);
  REQUIRE(red.rounds() == M);
  std::vector<std::vector<float>> g(M, std::vector<float>(n));
  for (int m = 0; m < M; ++m)
    for (std::int64_t i = 0; i < n; ++i)  // (small + 1) − 1 loses the small part's low bits
      g[m][i] = m == 0 ? float((i * 37) % 101 + 1) * 1.37e-4f : (m == 1 ? 1.0f : -1.0f);
  Kokkos::View<float*> grads("grads", n);
  auto h = Kokkos::create_mirror_view(grads);
  for (int j = 0; j < M; ++j) {
    REQUIRE(red.micro_batch(j) == j);
    for (std::int64_t i = 0; i < n; ++i) h(i) = g[j][i];
    Kokkos::deep_copy(grads, h);
    red.add(grads, j);
  }
  red.finish(grads);
  Kokkos::deep_copy(h, grads);
  std::int64_t exact = 0, differs_from_other_order = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float want = ((0.f + g[0][i]) + g[1][i]) + g[2][i];
    const float other = g[0][i] + (g[1][i] + g[2][i]);
    exact += h(i) == want;
    differs_from_other_order += want != other;
  }
  CHECK(exact == n);
  CHECK(differs_from_other_order > 0);  // the order matters for these numbers, so this test can fail
  CHECK(red.comm_seconds() >= 0);
  const Ledger l = red.ledger();
  REQUIRE(l.size() == 1);  // one rank: the fold only, no collective
  CHECK(l[0].name == "dp/accumulate");
  CHECK(l[0].count == M);  // one pass per micro-batch
}

TEST_CASE("one micro-batch leaves the gradient where backward wrote it", "[nn][distributed]") {
  nn::GradientReducer<double> red(mpi::Group(), 4, 1);
  Kokkos::View<double*> grads("grads", 4);
  Kokkos::deep_copy(grads, -0.0);
  red.add(grads, 0);
  red.finish(grads);
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), grads);
  CHECK(std::signbit(h(0)));
  CHECK(red.ledger().empty());
}
