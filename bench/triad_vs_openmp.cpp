// bench/triad_vs_openmp.cpp — the STREAM triad a = b + s·c written with Kokkos (RangePolicy, as
// workloads/stream runs it) side by side with the same loop in plain C++ and `omp parallel for`,
// on the same arrays (first touched by the same static schedule), timed alternately (which one
// goes first alternates too). Prints best and median bandwidth of each and the Kokkos / plain
// ratio: the median over repetitions of the ratio of adjacent runs (robust to background load),
// then the ratios of the bests and of the medians. fp64, n per array (default 2^25: 768 MiB).
#include <omp.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/base/format.hpp"
#include "core/base/kokkos_compat.hpp"

namespace {

struct Stats {
  double best = 1e30, median = 0;
};

Stats stats(const std::vector<double>& t) { return {*std::min_element(t.begin(), t.end()), xpb::median(t)}; }

}  // namespace

int main(int argc, char** argv) {
  xpb::compat::InitOptions opt;
  xpb::compat::initialize(opt);
  {
    const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : (std::int64_t(1) << 25);
    const int reps = argc > 2 ? std::atoi(argv[2]) : 30;
    const double scalar = 0.4;
    // Kokkos arrays (n) each, first touched by a Kokkos kernel.
    Kokkos::View<double*> a(Kokkos::view_alloc(Kokkos::WithoutInitializing, "a"), n),
        b(Kokkos::view_alloc(Kokkos::WithoutInitializing, "b"), n),
        c(Kokkos::view_alloc(Kokkos::WithoutInitializing, "c"), n);
    Kokkos::parallel_for(
        "bench/init", Kokkos::RangePolicy<>(0, n), KOKKOS_LAMBDA(std::int64_t i) {
          a(i) = 0.1;
          b(i) = 0.2;
          c(i) = 0.0;
        });
    Kokkos::fence();
    // The plain loop runs on the same three arrays: placement alone (page offsets, the distance
    // between arrays) moved either version by ~10% when each had its own allocation.
    double* xa = a.data();
    const double* xb = b.data();
    const double* xc = c.data();
    auto run_kokkos = [&] {
      Kokkos::parallel_for(
          "stream/triad", Kokkos::RangePolicy<>(0, n),
          KOKKOS_LAMBDA(std::int64_t i) { a(i) = b(i) + scalar * c(i); });
      Kokkos::fence();
    };
    auto run_omp = [&] {
#pragma omp parallel for schedule(static)
      for (std::int64_t i = 0; i < n; ++i) xa[i] = xb[i] + scalar * xc[i];
    };
    // Interleaved, so that both versions see the same background load.
    run_kokkos();
    run_omp();
    std::vector<double> tk, to;
    auto timed = [](auto&& f) {
      const double t0 = omp_get_wtime();
      f();
      return omp_get_wtime() - t0;
    };
    for (int r = 0; r < reps; ++r) {
      if (r % 2 == 0) {
        tk.push_back(timed(run_kokkos));
        to.push_back(timed(run_omp));
      } else {
        to.push_back(timed(run_omp));
        tk.push_back(timed(run_kokkos));
      }
    }
    const Stats kk = stats(tk), omp = stats(to);
    std::vector<double> pair;  // per repetition: plain time / Kokkos time of adjacent runs
    for (int r = 0; r < reps; ++r) pair.push_back(to[r] / tk[r]);
    const double pair_median = stats(pair).median;
    const double bytes = 3.0 * sizeof(double) * double(n);
    std::printf(
        "triad n=%lld threads=%d kokkos %.2f GB/s (median %.2f) openmp %.2f GB/s "
        "(median %.2f) ratio %.3f (best %.3f, median %.3f)\n",
        static_cast<long long>(n), xpb::compat::concurrency(), bytes / kk.best / 1e9,
        bytes / kk.median / 1e9, bytes / omp.best / 1e9, bytes / omp.median / 1e9, pair_median,
        omp.best / kk.best, omp.median / kk.median);
  }
  Kokkos::finalize();
  return 0;
}
