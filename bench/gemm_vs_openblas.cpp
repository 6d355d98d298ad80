// bench/gemm_vs_openblas.cpp — the native Kokkos GEMM (nn::gemm, path native) side by side with
// OpenBLAS sgemm on the same fp32 operands, at the thread count Kokkos was started with (set
// OMP_NUM_THREADS; OpenBLAS is set to the same). Prints one line per size with both rates and
// their ratio. Best of several repetitions each; all native runs first, then all OpenBLAS runs,
// so that OpenBLAS's spinning worker threads never overlap a native measurement.
#include <cblas.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/base/kokkos_compat.hpp"
#include "core/base/rng.hpp"
#include "workloads/nn/gemm.hpp"

extern "C" void openblas_set_num_threads(int);

namespace {

double best_seconds(int reps, const std::function<void()>& f) {
  f();  // warm-up (page faults, packing buffers)
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    Kokkos::Timer t;
    f();
    Kokkos::fence();
    best = std::min(best, t.seconds());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  xpb::compat::InitOptions opt;
  xpb::compat::initialize(opt);
  {
    std::vector<int> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    if (sizes.empty()) sizes = {512, 1024, 2048};
    const int threads = xpb::compat::concurrency();
    openblas_set_num_threads(threads);
    using M = xpb::nn::Matrix<float>;
    std::vector<M> as, bs, cs;
    for (int n : sizes) {
      M a("a", n, n), b("b", n, n), c("c", n, n);  // (n, n) each
      const xpb::Rng rng(1, 2);
      float* pa = a.data();
      float* pb = b.data();
      const std::int64_t nn2 = std::int64_t(n) * n;
      Kokkos::parallel_for(
          "bench/init", Kokkos::RangePolicy<>(0, nn2), KOKKOS_LAMBDA(std::int64_t i) {
            pa[i] = float(rng.normal(i));
            pb[i] = float(rng.normal(nn2 + i));
          });
      as.push_back(a);
      bs.push_back(b);
      cs.push_back(c);
    }
    Kokkos::fence();
    auto reps_for = [](int n) { return n <= 512 ? 20 : n <= 1024 ? 8 : 4; };
    std::vector<double> native(sizes.size()), blas(sizes.size());
    for (std::size_t s = 0; s < sizes.size(); ++s) {
      native[s] = best_seconds(reps_for(sizes[s]), [&] {
        xpb::nn::gemm("bench/gemm_native", xpb::nn::GemmPath::native, false, false, 1.f, as[s],
                      bs[s], 0.f, cs[s]);
      });
    }
    for (std::size_t s = 0; s < sizes.size(); ++s) {
      const int n = sizes[s];
      blas[s] = best_seconds(reps_for(n), [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, as[s].data(), n,
                    bs[s].data(), n, 0.f, cs[s].data(), n);
      });
    }
    for (std::size_t s = 0; s < sizes.size(); ++s) {
      const double fl = 2.0 * sizes[s] * double(sizes[s]) * sizes[s];
      std::printf("gemm n=%d threads=%d native(%s) %.1f GFLOP/s openblas %.1f GFLOP/s ratio %.3f\n",
                  sizes[s], threads, xpb::nn::native_gemm_kernel().c_str(), fl / native[s] / 1e9,
                  fl / blas[s] / 1e9, blas[s] / native[s]);
    }
  }
  Kokkos::finalize();
  return 0;
}
