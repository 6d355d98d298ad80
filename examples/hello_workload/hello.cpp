// examples/hello_workload/hello.cpp — the smallest useful workload: an AXPY in Kokkos.
// Shows the whole plugin contract (parameters declared once, setup, blocking step, ledger,
// validation, metrics) for a workload that lives outside the xpubench tree.
#include <Kokkos_Core.hpp>
#include <cmath>
#include <memory>

#include "core/plugin/plugin.hpp"

namespace xpb::workloads {
namespace {

// The parameters: each declared once (name, default, range, doc), read typed in setup().
struct HelloParams {
  std::int64_t n = 0;
};

const ParamStruct<HelloParams>& hello_params() {
  static const auto s =
      ParamStruct<HelloParams>().integer("n", &HelloParams::n, 1 << 16, 1, double(1LL << 30), "elements");
  return s;
}

class Hello final : public Workload {
 public:
  void setup(const Params& p, Context&) override {
    m_n = hello_params().read(p).n;
    m_x = Kokkos::View<double*>("hello/x", m_n);  // (n)
    m_y = Kokkos::View<double*>("hello/y", m_n);  // (n)
    Kokkos::deep_copy(m_x, 1.0);
  }
  StepResult step(Context&) override {
    auto x = m_x, y = m_y;
    Kokkos::parallel_for("hello/axpy", m_n, KOKKOS_LAMBDA(const std::int64_t i) { y(i) += 2.0 * x(i); });
    Kokkos::fence();
    ++m_steps;
    return {};
  }
  Ledger ledger() const override {
    const double n = double(m_n);
    return {{"hello/axpy", OpKind::vector, DType::fp64, 2 * n, 24 * n}};
  }
  Validation validate(Context&) override {
    auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), m_y);
    const double want = 2.0 * double(m_steps);
    for (std::int64_t i = 0; i < m_n; ++i)
      if (std::fabs(y(i) - want) > 0) return Validation::fail("y differs from 2*steps");
    return Validation::ok("y == 2*steps");
  }
  Metrics finish(Context&) override { return {}; }

 private:
  std::int64_t m_n = 0, m_steps = 0;
  Kokkos::View<double*> m_x, m_y;
};

}  // namespace

void register_hello(Registry& r) {
  WorkloadInfo info;
  info.name = "hello";
  info.summary = "example out-of-tree workload: y += 2x";
  info.params = hello_params().schema();
  // `xpubench calibrate` may measure the memory bandwidth with it: n elements of fp64 per array.
  info.capabilities.push_back(CapabilitySpec(Capability::memory_bandwidth).size({"n"}).dtype({DType::fp64}));
  r.add(std::move(info), [] { return std::make_unique<Hello>(); });
}

}  // namespace xpb::workloads
