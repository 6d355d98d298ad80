// workloads/micro/layernorm.cpp — the `layernorm` micro-benchmark: layer normalisation over
// rows of (N, C), forward and backward, on the shared layer (nn/layernorm.hpp) that training runs.
// A memory-bound kernel: validation checks forward rows against a double reference and the
// gradients of L = Σ y·dy against central finite differences.
#include "workloads/nn/layernorm.hpp"

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
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
struct LayerNormParams : TypeParams {
  int rows = 0, channels = 0;
  bool backward = true;
};

const ParamStruct<LayerNormParams>& layernorm_params() {
  static const auto s = with_type_params(
      ParamStruct<LayerNormParams>()
          .integer("rows", &LayerNormParams::rows, 8192, 1, 1 << 26, "rows N (= batch·sequence)")
          .integer("channels", &LayerNormParams::channels, 1024, 1, 1 << 20,
                   "channels C (normalised dimension)")
          .boolean("backward", &LayerNormParams::backward, true, "also run the backward pass"));
  return s;
}

constexpr const char* kName = "layernorm/ln";  // kernels: kName + "_fwd", "_bwd", "_bwd_params"
constexpr const char* kZero = "layernorm/ln_zero_grad";

template <class T>
class LayerNormBench final : public Workload {
 public:
  void setup(const Params& p, Context& ctx) override {
    const LayerNormParams q = layernorm_params().read(p);
    m_rows = q.rows;
    m_cols = q.channels;
    m_backward = q.backward;
    m_dtype = ledger_dtype(q, sizeof(T));
    ctx.require_memory(double(m_rows) * m_cols * sizeof(T) * 4, "rows", "the layernorm arrays");
    const int N = m_rows, C = m_cols;
    auto raw = [](const char* l) { return Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(l)); };
    m_x = nn::Matrix<T>(raw("layernorm/x"), N, C);    // (N, C)
    m_y = nn::Matrix<T>(raw("layernorm/y"), N, C);    // (N, C)
    m_dy = nn::Matrix<T>(raw("layernorm/dy"), N, C);  // (N, C)
    m_dx = nn::Matrix<T>("layernorm/dx", N, C);       // (N, C)
    m_w = nn::Vec<T>(raw("layernorm/w"), C);          // (C)
    m_b = nn::Vec<T>(raw("layernorm/b"), C);          // (C)
    m_dw = nn::Vec<T>("layernorm/dw", C);             // (C)
    m_db = nn::Vec<T>("layernorm/db", C);             // (C)
    m_mean = nn::Vec<T>("layernorm/mean", N);         // (N)
    m_rstd = nn::Vec<T>("layernorm/rstd", N);         // (N)
    fill_normal("layernorm/init", m_x, ctx.rng("layernorm/x"), 1.0);
    fill_normal("layernorm/init", m_dy, ctx.rng("layernorm/dy"), 1.0);
    fill_normal("layernorm/init", m_w, ctx.rng("layernorm/w"), 0.1);
    fill_normal("layernorm/init", m_b, ctx.rng("layernorm/b"), 0.1);
    auto w = m_w;
    Kokkos::parallel_for(
        "layernorm/init", Kokkos::RangePolicy<>(0, C), KOKKOS_LAMBDA(const int c) { w(c) += T(1); });
    Kokkos::fence();
    m_check_rng = ctx.rng("layernorm/check");
  }

  StepResult step(Context&) override {
    const Kokkos::DefaultExecutionSpace exec;
    Kokkos::Timer timer;
    nn::layernorm_forward<Kokkos::DefaultExecutionSpace, T>(exec, kName, m_y, m_mean, m_rstd, m_x, m_w, m_b);
    Kokkos::fence();
    StepResult r;
    r.value("fwd_seconds", timer.seconds());
    if (m_backward) {
      timer.reset();
      auto dx = m_dx;
      const int C = m_cols;
      // Backward accumulates into dx (residual-stream convention); start each step from zero.
      Kokkos::parallel_for(
          kZero, Kokkos::RangePolicy<>(0, m_rows), KOKKOS_LAMBDA(const int n) {
            for (int c = 0; c < C; ++c) dx(n, c) = T(0);
          });
      nn::layernorm_backward<Kokkos::DefaultExecutionSpace, T>(exec, kName, m_dx, m_dw, m_db, m_dy, m_x, m_w,
                                                               m_mean, m_rstd);
      Kokkos::fence();
      r.value("bwd_seconds", timer.seconds());
    }
    ++m_steps;
    return r;
  }

  Ledger ledger() const override { return ledger_in(m_dtype); }
  Ledger ledger_as_run() const override {
    return m_dtype == compute_dtype(sizeof(T)) ? Ledger{} : ledger_in(compute_dtype(sizeof(T)));
  }
  Ledger ledger_in(DType dtype) const {
    const double N = m_rows, C = m_cols;
    Ledger l = nn::layernorm_forward_cost(kName, dtype, N, C);
    if (m_backward) {
      l.push_back(nn::vector_cost(kZero, nn::vector_dtype(dtype), 0, dtype_bytes(dtype) * N * C));
      nn::append(l, nn::layernorm_backward_cost(kName, dtype, N, C));
    }
    return l;
  }

  Validation validate(Context&) override {
    if (m_steps == 0) return Validation::fail("no step ran, nothing to check");
    auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_x);    // (N, C)
    auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_y);    // (N, C)
    auto dy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_dy);  // (N, C)
    auto dx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_dx);  // (N, C)
    auto w = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_w);    // (C)
    auto b = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_b);    // (C)
    auto dw = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_dw);  // (C)
    auto db = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_db);  // (C)
    const int N = m_rows, C = m_cols;
    const double eps = nn::kLayerNormEps;
    // Row n of y in double, with x(n, pc) shifted by dx_shift; returns Σ_c y·dy of the row.
    std::vector<double> yr(C);
    auto row = [&](int n, int pc, double shift) {
      double m = 0, v = 0;
      auto xv = [&](int c) { return double(x(n, c)) + (c == pc ? shift : 0.0); };
      for (int c = 0; c < C; ++c) m += xv(c);
      m /= C;
      for (int c = 0; c < C; ++c) v += (xv(c) - m) * (xv(c) - m);
      v /= C;
      const double rs = 1.0 / std::sqrt(v + eps);
      double L = 0;
      for (int c = 0; c < C; ++c) {
        yr[c] = (xv(c) - m) * rs * double(w(c)) + double(b(c));
        L += yr[c] * double(dy(n, c));
      }
      return L;
    };
    const double tol = sizeof(T) == 8 ? 1e-9 : 2e-3;
    // Central differences are exact only to O(h²): fp64 gradients are checked to 1e-6.
    const double tol_fd = sizeof(T) == 8 ? 1e-6 : 2e-3;
    double worst = 0;
    for (int s = 0; s < 16; ++s) {
      const int n = s == 0 ? 0 : s == 1 ? N - 1 : int(m_check_rng.below(s, N));
      row(n, -1, 0);
      for (int c = 0; c < C; ++c) worst = std::max(worst, rel_err(y(n, c), yr[c], 1e-2));
    }
    if (worst > tol) return Validation::fail("layernorm forward differs from a double reference", worst, tol);
    if (!m_backward) return Validation::ok("16 forward rows match a double reference", worst, tol);
    const double h = 1e-4;
    for (int s = 0; s < 8; ++s) {  // dx by central differences of its row's loss
      const int n = int(m_check_rng.below(100 + 2 * s, N)), c = int(m_check_rng.below(101 + 2 * s, C));
      const double fd = (row(n, c, h) - row(n, c, -h)) / (2 * h);
      worst = std::max(worst, rel_err(dx(n, c), fd, 1e-2));
    }
    for (int s = 0; s < 4; ++s) {  // dw, db: L is linear in w(c) and b(c), so the sums are exact
      const int c = int(m_check_rng.below(200 + s, C));
      double gw = 0, gb = 0, scale = 0;
      for (int n = 0; n < N; ++n) {
        double m = 0, v = 0;
        for (int k = 0; k < C; ++k) m += double(x(n, k));
        m /= C;
        for (int k = 0; k < C; ++k) v += (double(x(n, k)) - m) * (double(x(n, k)) - m);
        v /= C;
        gw += (double(x(n, c)) - m) / std::sqrt(v + eps) * double(dy(n, c));
        gb += double(dy(n, c));
        scale += std::fabs(double(dy(n, c)));
      }
      // Sums of N signed terms: measure the error against the sum of magnitudes.
      worst = std::max(worst, std::fabs(double(dw(c)) - gw) / std::max(scale, 1e-30) * 10);
      worst = std::max(worst, std::fabs(double(db(c)) - gb) / std::max(scale, 1e-30) * 10);
    }
    if (worst > tol_fd)
      return Validation::fail("layernorm backward differs from the reference gradients", worst, tol_fd);
    return Validation::ok(
        "16 forward rows vs double reference; dx by finite differences, dw/db "
        "against double sums",
        worst, tol_fd);
  }

  Metrics finish(Context&) override { return {}; }

 private:
  int m_rows = 0, m_cols = 0;
  bool m_backward = true;
  DType m_dtype = DType::fp32;
  nn::Matrix<T> m_x, m_y, m_dy, m_dx;  // (N, C)
  nn::Vec<T> m_w, m_b, m_dw, m_db;     // (C)
  nn::Vec<T> m_mean, m_rstd;           // (N)
  Rng m_check_rng;
  std::int64_t m_steps = 0;
};

}  // namespace

void register_micro_layernorm(Registry& r) {
  WorkloadInfo info;
  info.name = "layernorm";
  info.summary = "layer normalisation over (rows, channels), forward and backward";
  info.kind = WorkloadKind::benchmark;
  info.doc =
      "y = (x - mean)·rstd·w + b per row (eps 1e-5), then the backward pass: dx per row, dw and "
      "db summed per fixed block of rows, then over blocks in order (nn/layernorm.hpp, as the "
      "training workloads run it). Memory-bound. Validation: 16 rows against a double reference, 8 dx "
      "entries by "
      "central differences, 4 dw/db columns against double sums.";
  info.params = layernorm_params().schema();
  info.metrics = {
      {"fwd_seconds", "s", MetricKind::time, "fenced time of the forward kernels of a step", true},
      {"bwd_seconds", "s", MetricKind::time, "fenced time of the backward kernels of a step", true}};
  // `xpubench calibrate`: the forward's FLOPs over its time, 128 rows of 1024 (512 KiB an operand)
  // that stay in cache, over the fp32 peak: the host descriptor's efficiency.norm, at which the
  // host projection costs the layer-norm row kernels (OpKind::norm). Their operations are
  // subtractions and multiplications, not the fused multiply-adds of the softmax's exponentials,
  // so they reach a smaller fraction of the peak than efficiency.vector.
  info.capabilities.push_back(CapabilitySpec(Capability::norm_efficiency)
                                  .size({"channels"})
                                  .dtype("dtype", {DType::fp32})
                                  .headline_kernel("ln_fwd")
                                  .timed_by("fwd_seconds")
                                  .set("rows", std::int64_t(128))
                                  .set("backward", false)
                                  .set("precision", "auto"));
  r.add(std::move(info), [] { return std::make_unique<DTypeDispatch<LayerNormBench>>(); });
}

}  // namespace xpb::micro
