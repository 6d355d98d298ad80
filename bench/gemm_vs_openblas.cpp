// bench/gemm_vs_openblas.cpp — the native Kokkos GEMM (nn::gemm, path native) side by side with
// OpenBLAS sgemm on the same fp32 operands, at the thread count Kokkos was started with (set
// OMP_NUM_THREADS; OpenBLAS is set to the same). Prints one line per size with both rates and
// their ratio. Best of several repetitions each; all native runs first, then all OpenBLAS runs,
// so that OpenBLAS's spinning worker threads never overlap a native measurement.
// Arguments: square sizes (n: C = A·B, all n × n), or shapes MxNxK with an optional suffix of two
// letters, t or n, for A and B transposed or not (512x128x1024tn: C (512, 128) = Aᵀ·B with A
// stored (1024, 512), the weight gradient of a linear layer).
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
    struct Shape {
      int m, n, k;
      bool ta, tb;
    };
    std::vector<Shape> shapes;
    for (int i = 1; i < argc; ++i) {
      Shape sh{0, 0, 0, false, false};
      char t[3] = {0, 0, 0};
      if (std::sscanf(argv[i], "%dx%dx%d%2s", &sh.m, &sh.n, &sh.k, t) >= 3) {
        sh.ta = t[0] == 't';
        sh.tb = t[1] == 't';
      } else {
        sh.m = sh.n = sh.k = std::atoi(argv[i]);
      }
      shapes.push_back(sh);
    }
    if (shapes.empty())
      for (int n : {512, 1024, 2048}) shapes.push_back({n, n, n, false, false});
    const int threads = xpb::compat::concurrency();
    openblas_set_num_threads(threads);
    using M = xpb::nn::Matrix<float>;
    std::vector<M> as, bs, cs;
    for (const Shape& sh : shapes) {
      M a("a", sh.ta ? sh.k : sh.m, sh.ta ? sh.m : sh.k), b("b", sh.tb ? sh.n : sh.k, sh.tb ? sh.k : sh.n),
          c("c", sh.m, sh.n);
      const xpb::Rng rng(1, 2);
      float* pa = a.data();
      float* pb = b.data();
      const std::int64_t na = std::int64_t(sh.m) * sh.k, nb = std::int64_t(sh.k) * sh.n;
      Kokkos::parallel_for(
          "bench/init", Kokkos::RangePolicy<>(0, std::max(na, nb)), KOKKOS_LAMBDA(std::int64_t i) {
            if (i < na) pa[i] = float(rng.normal(i));
            if (i < nb) pb[i] = float(rng.normal(na + i));
          });
      as.push_back(a);
      bs.push_back(b);
      cs.push_back(c);
    }
    Kokkos::fence();
    auto flops = [](const Shape& sh) { return 2.0 * sh.m * double(sh.n) * sh.k; };
    auto reps_for = [&](const Shape& sh) { return flops(sh) <= 2.7e8 ? 20 : flops(sh) <= 2.2e9 ? 8 : 4; };
    std::vector<double> native(shapes.size()), blas(shapes.size());
    for (std::size_t s = 0; s < shapes.size(); ++s) {
      native[s] = best_seconds(reps_for(shapes[s]), [&] {
        xpb::nn::gemm("bench/gemm_native", xpb::nn::GemmPath::native, shapes[s].ta, shapes[s].tb, 1.f, as[s],
                      bs[s], 0.f, cs[s]);
      });
    }
    for (std::size_t s = 0; s < shapes.size(); ++s) {
      const Shape& sh = shapes[s];
      blas[s] = best_seconds(reps_for(sh), [&] {
        cblas_sgemm(CblasRowMajor, sh.ta ? CblasTrans : CblasNoTrans, sh.tb ? CblasTrans : CblasNoTrans, sh.m,
                    sh.n, sh.k, 1.f, as[s].data(), int(as[s].extent(1)), bs[s].data(), int(bs[s].extent(1)),
                    0.f, cs[s].data(), sh.n);
      });
    }
    for (std::size_t s = 0; s < shapes.size(); ++s) {
      const Shape& sh = shapes[s];
      const double fl = flops(sh);
      char what[64];  // "n=2048" for a square size (bench/run-micro.sh reads it), else the shape
      if (sh.m == sh.n && sh.n == sh.k && !sh.ta && !sh.tb)
        std::snprintf(what, sizeof what, "n=%d", sh.m);
      else
        std::snprintf(what, sizeof what, "%dx%dx%d%c%c", sh.m, sh.n, sh.k, sh.ta ? 't' : 'n',
                      sh.tb ? 't' : 'n');
      std::printf("gemm %s threads=%d native(%s) %.1f GFLOP/s openblas %.1f GFLOP/s ratio %.3f\n", what,
                  threads, xpb::nn::native_gemm_kernel().c_str(), fl / native[s] / 1e9, fl / blas[s] / 1e9,
                  blas[s] / native[s]);
    }
  }
  Kokkos::finalize();
  return 0;
}
