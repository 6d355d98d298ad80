// workloads/micro/softmax.cpp — the `softmax` micro-benchmark: row-wise softmax over (N, V),
// forward y = softmax(x) and backward dx = y ⊙ (dy − Σ dy·y), as in attention probabilities and
// the logits of a language-model head. Memory-bound; the row kernels of nn/rownorm_kernels.hpp
// (one row per iteration, sums in a fixed lane order: deterministic, vectorised). Validation: rows against a
// double reference, dx by central differences of L = Σ y·dy.
#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/error.hpp"
#include "core/base/kokkos_compat.hpp"
#include "core/plugin/registry.hpp"
#include "workloads/micro/common.hpp"
#include "workloads/micro/micro.hpp"
#include "workloads/nn/rownorm_kernels.hpp"
#include "workloads/nn/tensor.hpp"

namespace xpb::micro {
namespace {

// The parameters, each declared once and read typed.
struct SoftmaxParams : TypeParams {
  int rows = 0, cols = 0;
  bool backward = true;
};

const ParamStruct<SoftmaxParams>& softmax_params() {
  static const auto s = with_type_params(
      ParamStruct<SoftmaxParams>()
          .integer("rows", &SoftmaxParams::rows, 8192, 1, 1 << 26, "rows N")
          .integer("cols", &SoftmaxParams::cols, 1024, 1, 1 << 24, "columns V (softmax dimension)")
          .boolean("backward", &SoftmaxParams::backward, true, "also run the backward pass"));
  return s;
}

constexpr const char* kFwd = "softmax/fwd";
constexpr const char* kBwd = "softmax/bwd";

template <class T>
class SoftmaxBench final : public Workload {
 public:
  void setup(const Params& p, Context& ctx) override {
    const SoftmaxParams q = softmax_params().read(p);
    m_rows = q.rows;
    m_cols = q.cols;
    m_backward = q.backward;
    m_dtype = ledger_dtype(q, sizeof(T));
    ctx.require_memory(double(m_rows) * m_cols * sizeof(T) * 4, "rows", "the softmax arrays");
    auto raw = [](const char* l) { return Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(l)); };
    m_x = nn::Matrix<T>(raw("softmax/x"), m_rows, m_cols);    // (N, V)
    m_y = nn::Matrix<T>(raw("softmax/y"), m_rows, m_cols);    // (N, V)
    m_dy = nn::Matrix<T>(raw("softmax/dy"), m_rows, m_cols);  // (N, V)
    m_dx = nn::Matrix<T>(raw("softmax/dx"), m_rows, m_cols);  // (N, V)
    fill_normal("softmax/init", m_x, ctx.rng("softmax/x"), 2.0);
    fill_normal("softmax/init", m_dy, ctx.rng("softmax/dy"), 1.0);
    m_check_rng = ctx.rng("softmax/check");
  }

  StepResult step(Context&) override {
    const Kokkos::DefaultExecutionSpace exec;
    Kokkos::Timer timer;
    nn::rownorm_softmax_forward<Kokkos::DefaultExecutionSpace, T>(exec, kFwd, m_y, m_x);
    Kokkos::fence();
    StepResult r;
    r.value("fwd_seconds", timer.seconds());
    if (m_backward) {
      timer.reset();
      nn::rownorm_softmax_backward<Kokkos::DefaultExecutionSpace, T>(exec, kBwd, m_dx, m_y, m_dy);
      Kokkos::fence();
      r.value("bwd_seconds", timer.seconds());
    }
    ++m_steps;
    return r;
  }

  // Charged: an exponential is one operation (a special-function unit's). As run here: the
  // element type computed and exp_fixed's operations (nn/fixed_math.hpp), which decide the forward
  // pass's time once the rows stay in cache.
  Ledger ledger() const override {
    return nn::rownorm_softmax_cost(kFwd, kBwd, m_dtype, m_rows, m_cols, m_backward);
  }
  Ledger ledger_as_run() const override {
    return nn::rownorm_softmax_cost(kFwd, kBwd, compute_dtype(sizeof(T)), m_rows, m_cols, m_backward,
                                    nn::detail::kExpFixedOps<T>);
  }

  Validation validate(Context&) override {
    if (m_steps == 0) return Validation::fail("no step ran, nothing to check");
    auto x = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_x);    // (N, V)
    auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_y);    // (N, V)
    auto dy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_dy);  // (N, V)
    auto dx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_dx);  // (N, V)
    const int N = m_rows, V = m_cols;
    std::vector<double> yr(V);
    // Row n in double with x(n, pc) shifted; returns Σ_v y·dy.
    auto row = [&](int n, int pc, double shift) {
      auto xv = [&](int v) { return double(x(n, v)) + (v == pc ? shift : 0.0); };
      double mx = xv(0), sum = 0, L = 0;
      for (int v = 1; v < V; ++v) mx = std::max(mx, xv(v));
      for (int v = 0; v < V; ++v) sum += (yr[v] = std::exp(xv(v) - mx));
      for (int v = 0; v < V; ++v) L += (yr[v] /= sum) * double(dy(n, v));
      return L;
    };
    const double tol = sizeof(T) == 8 ? 1e-9 : 2e-3;
    // Central differences are exact only to O(h²): fp64 gradients are checked to 1e-6.
    const double tol_fd = sizeof(T) == 8 ? 1e-6 : 2e-3;
    double worst = 0, floor = 0;
    for (int s = 0; s < 16; ++s) {
      const int n = s == 0 ? 0 : s == 1 ? N - 1 : int(m_check_rng.below(s, N));
      row(n, -1, 0);
      for (int v = 0; v < V; ++v) floor = std::max(floor, yr[v]);
      for (int v = 0; v < V; ++v) worst = std::max(worst, rel_err(y(n, v), yr[v], 1e-3 * floor));
    }
    if (worst > tol) return Validation::fail("softmax forward differs from a double reference", worst, tol);
    if (!m_backward) return Validation::ok("16 rows match a double reference", worst, tol);
    const double h = 1e-5;
    for (int s = 0; s < 12; ++s) {
      const int n = int(m_check_rng.below(100 + 2 * s, N)), v = int(m_check_rng.below(101 + 2 * s, V));
      const double fd = (row(n, v, h) - row(n, v, -h)) / (2 * h);
      worst = std::max(worst, rel_err(dx(n, v), fd, 1e-3 * floor));
    }
    if (worst > tol_fd)
      return Validation::fail("softmax backward differs from finite differences", worst, tol_fd);
    return Validation::ok("16 rows vs double reference, 12 gradients vs finite differences", worst, tol_fd);
  }

  Metrics finish(Context&) override { return {}; }

 private:
  int m_rows = 0, m_cols = 0;
  bool m_backward = true;
  DType m_dtype = DType::fp32;
  nn::Matrix<T> m_x, m_y, m_dy, m_dx;  // (N, V)
  Rng m_check_rng;
  std::int64_t m_steps = 0;
};

}  // namespace

void register_micro_softmax(Registry& r) {
  WorkloadInfo info;
  info.name = "softmax";
  info.summary = "row-wise softmax over (rows, cols), forward and backward";
  info.kind = WorkloadKind::benchmark;
  info.doc =
      "y = softmax(x) per row (max-subtracted), then dx = y·(dy − Σ dy·y). One row per "
      "iteration, sums in ascending column order. Memory-bound. Validation: 16 rows against a "
      "double reference, 12 gradient entries by central differences.";
  info.params = softmax_params().schema();
  info.metrics = {
      {"fwd_seconds", "s", MetricKind::time, "fenced time of the forward kernels of a step", true},
      {"bwd_seconds", "s", MetricKind::time, "fenced time of the backward kernels of a step", true}};
  // `xpubench calibrate`: the forward pass's FLOPs as run (exp_fixed's included) over its time,
  // 128 rows of 1024 (512 KiB an operand) that stay in cache, over the fp32 peak: the host descriptor's
  // efficiency.vector, at which the host projection costs all element-wise work.
  info.capabilities.push_back(CapabilitySpec(Capability::vector_efficiency)
                                  .size({"cols"})
                                  .dtype("dtype", {DType::fp32})
                                  .headline_kernel("fwd")
                                  .set("rows", std::int64_t(128))
                                  .set("backward", false)
                                  .set("precision", "auto"));
  r.add(std::move(info), [] { return std::make_unique<DTypeDispatch<SoftmaxBench>>(); });
}

}  // namespace xpb::micro
