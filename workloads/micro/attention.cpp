// workloads/micro/attention.cpp — the `attention` micro-benchmark: softmax(QKᵀ/√D)·V, forward
// and backward, causal or not, on the shared layer (nn/attention.hpp) the training workloads run.
// Validation: forward rows against a double-precision reference, backward against central
// finite differences of L = Σ out·dout. Dimension letters: B batch, T sequence, H heads,
// D head size, C = H·D, N = B·T.
#include "workloads/nn/attention_kernels.hpp"

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "core/plugin/registry.hpp"
#include "workloads/micro/common.hpp"
#include "workloads/micro/micro.hpp"

namespace xpb::micro {
namespace {

// The parameters, each declared once and read typed.
struct AttentionParams : TypeParams {
  int batch = 0, seq = 0, heads = 0, head_dim = 0;
  bool causal = true, backward = true;
};

const ParamStruct<AttentionParams>& attention_params() {
  static const auto s = with_type_params(
      ParamStruct<AttentionParams>()
          .integer("batch", &AttentionParams::batch, 1, 1, 4096, "sequences B")
          .integer("seq", &AttentionParams::seq, 256, 1, 65536, "sequence length T")
          .integer("heads", &AttentionParams::heads, 8, 1, 1024, "heads H")
          .integer("head_dim", &AttentionParams::head_dim, 64, 1, 1024, "head size D")
          .boolean("causal", &AttentionParams::causal, true, "position t attends to positions <= t only")
          .boolean("backward", &AttentionParams::backward, true, "also run the backward pass"));
  return s;
}

constexpr const char* kName = "attention/attn";  // kernel labels: kName + "_fwd", "_bwd"

template <class T>
class AttentionBench final : public Workload {
 public:
  void setup(const Params& p, Context& ctx) override {
    const AttentionParams q = attention_params().read(p);
    m_shape.B = q.batch;
    m_shape.T = q.seq;
    m_shape.H = q.heads;
    m_shape.C = q.heads * q.head_dim;
    m_shape.causal = q.causal;
    m_backward = q.backward;
    m_dtype = ledger_dtype(q, sizeof(T));
    const double elems = double(m_shape.B) * m_shape.T * m_shape.C * 8;  // qkv, dqkv, out, dout
    ctx.require_memory(elems * sizeof(T), "seq", "the attention arrays");
    const int N = m_shape.B * m_shape.T, C = m_shape.C, B = m_shape.B, H = m_shape.H, TT = m_shape.T;
    m_qkv = nn::Matrix<T>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "attention/qkv"), N,
                          3 * C);                       // (N, 3C)
    m_out = nn::Matrix<T>("attention/out", N, C);       // (N, C)
    m_lse = nn::Matrix<T>("attention/lse", B * H, TT);  // (B·H, T)
    m_dout = nn::Matrix<T>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "attention/dout"), N,
                           C);                           // (N, C)
    m_dqkv = nn::Matrix<T>("attention/dqkv", N, 3 * C);  // (N, 3C)
    fill_normal("attention/init", m_qkv, ctx.rng("attention/qkv"), 1.0);
    fill_normal("attention/init", m_dout, ctx.rng("attention/dout"), 1.0);
    m_check_rng = ctx.rng("attention/check");
  }

  StepResult step(Context&) override {
    const Kokkos::DefaultExecutionSpace exec;
    Kokkos::Timer timer;
    nn::flash_attention_forward<Kokkos::DefaultExecutionSpace, T>(exec, kName, m_shape, m_out, m_lse, m_qkv);
    Kokkos::fence();
    StepResult r;
    r.value("fwd_seconds", timer.seconds());
    if (m_backward) {
      timer.reset();
      nn::flash_attention_backward<Kokkos::DefaultExecutionSpace, T>(exec, kName, m_shape, m_dqkv, m_dout,
                                                                     m_qkv, m_out, m_lse);
      Kokkos::fence();
      r.value("bwd_seconds", timer.seconds());
    }
    ++m_steps;
    return r;
  }

  Ledger ledger() const override { return ledger_in(m_dtype); }
  // As run: the element type computed and exp_fixed's operations per exponential.
  Ledger ledger_as_run() const override {
    return ledger_in(compute_dtype(sizeof(T)), nn::detail::kExpFixedOps<T>);
  }
  Ledger ledger_in(DType dtype, double exp_ops = 1) const {
    Ledger l = nn::flash_attention_forward_cost(kName, dtype, m_shape, nn::kFlashTeams, exp_ops);
    if (m_backward)
      nn::append(l, nn::flash_attention_backward_cost(kName, dtype, m_shape, nn::kFlashTeams, exp_ops));
    return l;
  }

  Validation validate(Context&) override {
    if (m_steps == 0) return Validation::fail("no step ran, nothing to check");
    m_h_qkv = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_qkv);
    m_h_dout = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_dout);
    auto out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_out);    // (N, C)
    auto dqkv = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_dqkv);  // (N, 3C)
    const int TT = m_shape.T, H = m_shape.H, D = m_shape.D(), C = m_shape.C;
    const double tol = sizeof(T) == 8 ? 1e-9 : 2e-3;
    // Central differences are exact only to O(h²): fp64 gradients are checked to 1e-6.
    const double tol_fd = sizeof(T) == 8 ? 1e-6 : 2e-3;
    double worst = 0;
    // Forward: 16 sampled query rows.
    std::vector<double> ref(D);
    for (int s = 0; s < 16; ++s) {
      const int b = int(m_check_rng.below(4 * s, m_shape.B));
      const int h = int(m_check_rng.below(4 * s + 1, H));
      const int t = s == 0 ? 0 : s == 1 ? TT - 1 : int(m_check_rng.below(4 * s + 2, TT));
      reference_row(b, h, t, -1, -1, 0.0, ref.data());
      for (int d = 0; d < D; ++d) worst = std::max(worst, rel_err(out(b * TT + t, h * D + d), ref[d], 1e-2));
    }
    if (worst > tol) return Validation::fail("attention forward differs from a double reference", worst, tol);
    if (!m_backward) return Validation::ok("16 forward rows match a double reference", worst, tol);
    // Backward: 12 sampled coordinates of qkv (4 each of q, k, v) by central differences.
    const double step = 1e-4;
    for (int s = 0; s < 12; ++s) {
      const int part = s / 4;
      const int b = int(m_check_rng.below(1000 + 4 * s, m_shape.B));
      const int h = int(m_check_rng.below(1001 + 4 * s, H));
      const int d = int(m_check_rng.below(1002 + 4 * s, D));
      // Keys and values late in a causal sequence feed few rows: cheap to difference.
      const int t = part == 0 || !m_shape.causal
                        ? int(m_check_rng.below(1003 + 4 * s, TT))
                        : TT - 1 - int(m_check_rng.below(1003 + 4 * s, std::min(TT, 8)));
      const int n = b * TT + t, col = part * C + h * D + d;
      const double fd =
          (affected_loss(b, h, t, part, n, col, step) - affected_loss(b, h, t, part, n, col, -step)) /
          (2 * step);
      worst = std::max(worst, rel_err(dqkv(n, col), fd, 1e-2));
    }
    if (worst > tol_fd)
      return Validation::fail("attention backward differs from finite differences", worst, tol_fd);
    return Validation::ok("16 forward rows vs double reference, 12 gradients vs finite differences", worst,
                          tol_fd);
  }

  Metrics finish(Context&) override {
    m_h_qkv = {};
    m_h_dout = {};
    return {};
  }

 private:
  // out row (D) of query (b, h, t) in double, with qkv(pn, pc) shifted by `delta`.
  void reference_row(int b, int h, int t, int pn, int pc, double delta, double* o) const {
    const int TT = m_shape.T, D = m_shape.D(), C = m_shape.C;
    const int last = m_shape.causal ? t : TT - 1;
    auto val = [&](int n, int c) { return double(m_h_qkv(n, c)) + (n == pn && c == pc ? delta : 0.0); };
    const double scale = 1.0 / std::sqrt(double(D));
    std::vector<double> sc(last + 1);
    double mx = -1e300;
    const int nq = b * TT + t;
    for (int t2 = 0; t2 <= last; ++t2) {
      double dot = 0;
      for (int d = 0; d < D; ++d) dot += val(nq, h * D + d) * val(b * TT + t2, C + h * D + d);
      sc[t2] = dot * scale;
      mx = std::max(mx, sc[t2]);
    }
    double sum = 0;
    for (int t2 = 0; t2 <= last; ++t2) sum += (sc[t2] = std::exp(sc[t2] - mx));
    for (int d = 0; d < D; ++d) o[d] = 0;
    for (int t2 = 0; t2 <= last; ++t2) {
      const double p = sc[t2] / sum;
      for (int d = 0; d < D; ++d) o[d] += p * val(b * TT + t2, 2 * C + h * D + d);
    }
  }

  // Σ out·dout over the query rows of (b, h) that the coordinate (n, col) of part `part` feeds.
  double affected_loss(int b, int h, int t, int part, int n, int col, double delta) const {
    const int TT = m_shape.T, D = m_shape.D();
    const int first = part == 0 ? t : (m_shape.causal ? t : 0);
    const int last = part == 0 ? t : TT - 1;
    std::vector<double> o(D);
    double L = 0;
    for (int tq = first; tq <= last; ++tq) {
      reference_row(b, h, tq, n, col, delta, o.data());
      for (int d = 0; d < D; ++d) L += o[d] * double(m_h_dout(b * TT + tq, h * D + d));
    }
    return L;
  }

  nn::AttentionShape m_shape;
  bool m_backward = true;
  DType m_dtype = DType::fp32;
  nn::Matrix<T> m_qkv, m_out, m_dout, m_dqkv;                  // (N, 3C), (N, C), (N, C), (N, 3C)
  nn::Matrix<T> m_lse;                                         // (B·H, T) row log-sum-exp
  typename nn::Matrix<T>::host_mirror_type m_h_qkv, m_h_dout;  // host copies during validate()
  Rng m_check_rng;
  std::int64_t m_steps = 0;
};

}  // namespace

void register_micro_attention(Registry& r) {
  WorkloadInfo info;
  info.name = "attention";
  info.summary = "multi-head softmax(QKᵀ/√D)·V forward and backward, causal option";
  info.kind = WorkloadKind::benchmark;
  info.doc =
      "Scaled dot-product attention on a fused qkv (B·T, 3·H·D), tiled with an online softmax "
      "(the (T, T) probabilities are never stored), as the GPT and ERNIE workloads run it "
      "(nn/attention_kernels.hpp): forward (fwd) then backward (bwd, which recomputes the "
      "probabilities from the saved row log-sum-exp). Every sum runs in a fixed order (no "
      "atomics). Validation: 16 forward rows against a double reference, 12 qkv gradients "
      "against central finite differences of Σ out·dout.";
  info.params = attention_params().schema();
  info.metrics = {
      {"fwd_seconds", "s", MetricKind::time, "fenced time of the forward kernels of a step", true},
      {"bwd_seconds", "s", MetricKind::time, "fenced time of the backward kernels of a step", true}};
  // `xpubench calibrate`: the forward and backward FLOP rates, causal, 8 heads of 64, over the
  // GEMM ceiling (the host descriptor's efficiency.attention_fwd/_bwd).
  info.capabilities.push_back(CapabilitySpec(Capability::attention_efficiency)
                                  .size({"seq"})
                                  .dtype("dtype", {DType::fp32})
                                  .set("heads", std::int64_t(8))
                                  .set("head_dim", std::int64_t(64))
                                  .set("causal", true)
                                  .set("backward", true)
                                  .set("precision", "auto"));
  r.add(std::move(info), [] { return std::make_unique<DTypeDispatch<AttentionBench>>(); });
}

}  // namespace xpb::micro
