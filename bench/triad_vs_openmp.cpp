// bench/triad_vs_openmp.cpp — the STREAM triad a = b + s·c written with Kokkos (RangePolicy, as
// workloads/stream runs it) side by side with the same loop in plain C++ and `omp parallel for`,
// on separate arrays first-touched by the same schedule. Prints best and median bandwidth of each
// and the Kokkos / plain ratio. fp64, n elements per array (default 2^25: 768 MiB in all).
#include <omp.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/kokkos_compat.hpp"

namespace {

struct Stats {
  double best = 1e30, median = 0;
};

template <class F>
Stats time_it(int reps, F&& f) {
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = omp_get_wtime();
    f();
    t.push_back(omp_get_wtime() - t0);
  }
  std::sort(t.begin(), t.end());
  return {t.front(), t[t.size() / 2]};
}

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
    Kokkos::parallel_for("bench/init", Kokkos::RangePolicy<>(0, n), KOKKOS_LAMBDA(std::int64_t i) {
      a(i) = 0.1;
      b(i) = 0.2;
      c(i) = 0.0;
    });
    Kokkos::fence();
    // Plain arrays (n) each, first touched by an OpenMP static loop.
    std::unique_ptr<double[]> pa(new double[n]), pb(new double[n]), pc(new double[n]);
    double* xa = pa.get();
    double* xb = pb.get();
    double* xc = pc.get();
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      xa[i] = 0.1;
      xb[i] = 0.2;
      xc[i] = 0.0;
    }
    const Stats kk = time_it(reps, [&] {
      Kokkos::parallel_for("stream/triad", Kokkos::RangePolicy<>(0, n),
                           KOKKOS_LAMBDA(std::int64_t i) { a(i) = b(i) + scalar * c(i); });
      Kokkos::fence();
    });
    const Stats omp = time_it(reps, [&] {
#pragma omp parallel for schedule(static)
      for (std::int64_t i = 0; i < n; ++i) xa[i] = xb[i] + scalar * xc[i];
    });
    const double bytes = 3.0 * sizeof(double) * double(n);
    std::printf("triad n=%lld threads=%d kokkos %.2f GB/s (median %.2f) openmp %.2f GB/s "
                "(median %.2f) ratio %.3f (median %.3f)\n",
                static_cast<long long>(n), xpb::compat::concurrency(), bytes / kk.best / 1e9,
                bytes / kk.median / 1e9, bytes / omp.best / 1e9, bytes / omp.median / 1e9,
                omp.best / kk.best, omp.median / kk.median);
  }
  Kokkos::finalize();
  return 0;
}
