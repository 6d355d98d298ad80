// bench/rownorm_vs_stream.cpp — the layer-norm and softmax row kernels (nn/rownorm_kernels.hpp),
// forward and backward, against the STREAM triad bandwidth measured in the same process, at the
// thread count Kokkos was started with. Rounds alternate triad, layernorm fwd, layernorm bwd,
// softmax fwd, softmax bwd so background load hits all alike; each prints its median.
// Bandwidth of a kernel = the bytes of its ledger entry (one pass over each operand: the
// minimum DRAM traffic) / time; triad counts 3 arrays as STREAM does. Sizes are far beyond any
// last-level cache: (32768, 1024) fp32 per operand = 128 MiB, triad 3 × 2^25 fp32 = 384 MiB.
// Usage: xpb_bench_rownorm [rounds [N C [solo]]]   (default 15 rounds at the sizes above). N C:
// the kernels at (N, C) and the triad over N·C elements per array, e.g. 4096 256 for operands
// that stay in the last-level cache; `solo` runs each kernel's rounds back to back (its data
// stays in cache) instead of alternating. Output: "<kernel> seconds <s> gbs <GB/s>", then
// "ratio <kernel>/triad <x>".
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/base/kokkos_compat.hpp"
#include "core/base/rng.hpp"
#include "workloads/nn/layernorm.hpp"
#include "workloads/nn/rownorm_kernels.hpp"

namespace {

using M = xpb::nn::Matrix<float>;
using V = xpb::nn::Vec<float>;
using Exec = Kokkos::DefaultExecutionSpace;

template <class View>
void fill(const View& m, std::uint64_t stream, float offset = 0) {
  const xpb::Rng rng(1, stream);
  float* p = m.data();
  Kokkos::parallel_for(
      "bench/init", Kokkos::RangePolicy<>(0, std::int64_t(m.span())),
      KOKKOS_LAMBDA(std::int64_t i) { p[i] = offset + float(rng.normal(i)); });
  Kokkos::fence();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double bytes_of(const xpb::Ledger& l, const std::string& name) {
  for (const auto& k : l)
    if (k.name == name) return k.bytes;
  std::fprintf(stderr, "no ledger entry %s\n", name.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  xpb::compat::InitOptions opt;
  xpb::compat::initialize(opt);
  {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
    const int N = argc > 3 ? std::max(1, std::atoi(argv[2])) : 32768;
    const int C = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1024;
    const std::int64_t nt = argc > 3 ? std::int64_t(N) * C : std::int64_t(1) << 25;
    V a("a", nt), b("b", nt), c("c", nt);  // triad (n) each
    fill(b, 1);
    fill(c, 2);
    M x("x", N, C), y("y", N, C), dy("dy", N, C), dx("dx", N, C);  // (N, C) each
    V w("w", C), bb("b", C), dw("dw", C), db("db", C), mean("mean", N), rstd("rstd", N);
    V part("part", std::size_t(xpb::nn::layernorm_blocks(N)) * 2 * C);
    fill(x, 3);
    fill(dy, 4);
    fill(w, 5, 1.0f);
    fill(bb, 6);
    const xpb::Ledger ln = [&] {
      xpb::Ledger l = xpb::nn::layernorm_forward_cost("ln", xpb::DType::fp32, N, C);
      for (const auto& k : xpb::nn::layernorm_backward_cost("ln", xpb::DType::fp32, N, C)) l.push_back(k);
      return l;
    }();
    const xpb::Ledger sm = xpb::nn::rownorm_softmax_cost("sm_fwd", "sm_bwd", xpb::DType::fp32, N, C, true);
    const Exec ex;
    auto timed = [](const std::function<void()>& f) {
      Kokkos::Timer t;
      f();
      Kokkos::fence();
      return t.seconds();
    };
    struct Item {
      std::string name;
      double bytes;
      std::function<void()> run;
      std::vector<double> t;
    };
    float* pa = a.data();
    const float* pb = b.data();
    const float* pc = c.data();
    std::vector<Item> items = {
        {"triad",
         3.0 * 4 * nt,
         [&] {
           Kokkos::parallel_for(
               "bench/triad", Kokkos::RangePolicy<Exec>(ex, 0, nt),
               KOKKOS_LAMBDA(std::int64_t i) { pa[i] = pb[i] + 3.0f * pc[i]; });
         },
         {}},
        {"layernorm_fwd",
         bytes_of(ln, "ln_fwd"),
         [&] { xpb::nn::layernorm_forward<Exec, float>(ex, "ln", y, mean, rstd, x, w, bb); },
         {}},
        {"layernorm_bwd",
         bytes_of(ln, "ln_bwd") + bytes_of(ln, "ln_bwd_params"),
         [&] {
           xpb::nn::rownorm_layernorm_backward<Exec, float>(ex, "ln", dx, dw, db, dy, x, w, mean, rstd, part);
         },
         {}},
        {"softmax_fwd",
         bytes_of(sm, "sm_fwd"),
         [&] { xpb::nn::rownorm_softmax_forward<Exec, float>(ex, "sm_fwd", y, x); },
         {}},
        {"softmax_bwd",
         bytes_of(sm, "sm_bwd"),
         [&] { xpb::nn::rownorm_softmax_backward<Exec, float>(ex, "sm_bwd", dx, y, dy); },
         {}},
    };
    for (auto& it : items) timed(it.run);  // warm-up: first touch
    if (argc > 4 && std::string(argv[4]) == "solo") {
      for (auto& it : items)
        for (int r = 0; r < rounds; ++r) it.t.push_back(timed(it.run));
    } else {
      for (int r = 0; r < rounds; ++r)
        for (auto& it : items) it.t.push_back(timed(it.run));
    }
    std::printf("threads %d rounds %d\n", xpb::compat::concurrency(), rounds);
    const double triad_gbs = items[0].bytes / median(items[0].t) / 1e9;
    for (auto& it : items) {
      const double s = median(it.t);
      std::printf("%s seconds %.6g gbs %.4g\n", it.name.c_str(), s, it.bytes / s / 1e9);
    }
    for (std::size_t i = 1; i < items.size(); ++i)
      std::printf("ratio %s/triad %.3f\n", items[i].name.c_str(),
                  items[i].bytes / median(items[i].t) / 1e9 / triad_gbs);
  }
  Kokkos::finalize();
  return 0;
}
