// bench/attention_vs_gemm.cpp — the tiled attention (nn/attention_kernels.hpp), forward +
// backward, side by side with the native GEMM (nn::gemm, the measured FLOP/s ceiling of this
// host) in one process, at the thread count Kokkos was started with (OMP_NUM_THREADS).
// Rounds alternate GEMM n=1024, causal attention and bidirectional attention, so that load from
// other work hits all three alike; each prints its median over the rounds.
// FLOPs of attention are the useful ones of its ledger (nn::flash_attention_*_cost: 4·D per
// attended pair forward, 8·D backward, + softmax), causal pairs counted once (T(T)/2).
// Usage: xpb_bench_attention [rounds] [--attention-only]   (default 15 rounds)
//   --attention-only: only the attention timings (bench/attention_vs_torch.py calls this).
// Output lines: "<what> seconds <median> gflops <rate>", then "ratio ... <x>" lines.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/base/kokkos_compat.hpp"
#include "core/base/rng.hpp"
#include "workloads/nn/attention_kernels.hpp"
#include "workloads/nn/gemm.hpp"

namespace {

using M = xpb::nn::Matrix<float>;

void fill(const M& m, std::uint64_t stream) {
  const xpb::Rng rng(1, stream);
  float* p = m.data();
  Kokkos::parallel_for(
      "bench/init", Kokkos::RangePolicy<>(0, std::int64_t(m.span())),
      KOKKOS_LAMBDA(std::int64_t i) { p[i] = float(rng.normal(i)); });
  Kokkos::fence();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Attn {
  xpb::nn::AttentionShape s;
  M qkv, out, dout, dqkv, lse;
  double flops = 0;
  explicit Attn(bool causal) {
    s = {1, 512, 8, 512, causal};  // T = 512, 8 heads of d_head = 64
    const int N = s.B * s.T;
    qkv = M("qkv", N, 3 * s.C);
    out = M("out", N, s.C);
    dout = M("dout", N, s.C);
    dqkv = M("dqkv", N, 3 * s.C);
    lse = M("lse", s.B * s.H, s.T);
    fill(qkv, 3);
    fill(dout, 4);
    for (const auto& k : xpb::nn::flash_attention_forward_cost("a", xpb::DType::fp32, s)) flops += k.flops;
    for (const auto& k : xpb::nn::flash_attention_backward_cost("a", xpb::DType::fp32, s)) flops += k.flops;
  }
  // Returns the forward + backward time; fwd_seconds gets the forward's part.
  double run(double* fwd_seconds = nullptr) const {
    const Kokkos::DefaultExecutionSpace ex;
    Kokkos::Timer t;
    xpb::nn::flash_attention_forward<Kokkos::DefaultExecutionSpace, float>(ex, "bench/attn", s, out, lse,
                                                                           qkv);
    Kokkos::fence();
    if (fwd_seconds) *fwd_seconds = t.seconds();
    xpb::nn::flash_attention_backward<Kokkos::DefaultExecutionSpace, float>(ex, "bench/attn", s, dqkv, dout,
                                                                            qkv, out, lse);
    Kokkos::fence();
    return t.seconds();
  }
};

}  // namespace

int main(int argc, char** argv) {
  xpb::compat::InitOptions opt;
  xpb::compat::initialize(opt);
  {
    int rounds = 15;
    bool attention_only = false;
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], "--attention-only") == 0)
        attention_only = true;
      else
        rounds = std::max(1, std::atoi(argv[i]));
    }
    const int n = 1024;
    M a("a", n, n), b("b", n, n), c("c", n, n);  // (n, n)
    if (!attention_only) {
      fill(a, 1);
      fill(b, 2);
    }
    const Attn causal(true), full(false);
    auto gemm = [&] {
      Kokkos::Timer t;
      xpb::nn::gemm("bench/gemm", xpb::nn::GemmPath::native, false, false, 1.0f, a, b, 0.0f, c);
      Kokkos::fence();
      return t.seconds();
    };
    if (!attention_only) gemm();
    causal.run();  // warm-up: first touch, scratch pools
    full.run();
    std::vector<double> tg, tc, tf, tc_fwd, tf_fwd;
    for (int r = 0; r < rounds; ++r) {
      if (!attention_only) tg.push_back(gemm());
      double fwd = 0;
      tc.push_back(causal.run(&fwd));
      tc_fwd.push_back(fwd);
      tf.push_back(full.run(&fwd));
      tf_fwd.push_back(fwd);
    }
    const double mc = median(tc), mf = median(tf);
    const double rc = causal.flops / mc / 1e9, rf = full.flops / mf / 1e9;
    std::printf("threads %d rounds %d\n", xpb::compat::concurrency(), rounds);
    std::printf("attention_causal seconds %.6g gflops %.4g\n", mc, rc);
    std::printf("attention_bidirectional seconds %.6g gflops %.4g\n", mf, rf);
    std::printf("attention_causal_forward seconds %.6g\n", median(tc_fwd));
    std::printf("attention_bidirectional_forward seconds %.6g\n", median(tf_fwd));
    if (!attention_only) {
      const double mg = median(tg), rg = 2.0 * n * n * n / mg / 1e9;
      std::printf("gemm_n%d seconds %.6g gflops %.4g\n", n, mg, rg);
      std::printf("ratio attention_causal/gemm %.3f\n", rc / rg);
      std::printf("ratio attention_bidirectional/gemm %.3f\n", rf / rg);
    }
  }
  Kokkos::finalize();
  return 0;
}
