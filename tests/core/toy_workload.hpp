// tests/core/toy_workload.hpp — a tiny deterministic workload for testing the engine alone.
// Its step sums a counter-RNG sequence; `fail_validation` and `throw_in_setup` exercise the
// invalid and failed paths; `training` switches to a fixed step count.
#pragma once

#include <memory>
#include <stdexcept>

#include "core/base/error.hpp"
#include "core/plugin/registry.hpp"

namespace xpb::test {

class Toy final : public Workload {
 public:
  void setup(const Params& p, Context& ctx) override {
    m_n = p.get_int("n");
    m_mode = p.get_string("mode");
    m_seed = ctx.seed;
    if (m_mode == "reject") throw Error({}, "mode=reject is not supported", "pick another mode");
    if (m_mode == "crash") throw std::runtime_error("boom");
  }
  StepResult step(Context& ctx) override {
    const Rng r = ctx.rng("toy");
    double s = 0;
    for (std::int64_t i = 0; i < m_n; ++i) s += r.uniform(static_cast<std::uint64_t>(i + m_steps));
    ++m_steps;
    StepResult out;
    out.values.push_back({"value", s});
    return out;
  }
  Ledger ledger() const override {
    return {{"toy/sum", OpKind::vector, DType::fp64, double(m_n), 8.0 * double(m_n)}};
  }
  Validation validate(Context&) override {
    if (m_mode == "invalid") return Validation::fail("toy says invalid", 1, 0);
    return Validation::ok("toy ok");
  }
  Metrics finish(Context&) override {
    Metrics m;
    m.scalar("steps", double(m_steps));
    m.series.push_back({"curve", "", {1, 2, 3}, {10, 20, 30}});
    m.arrays.push_back({"ref/w", {2, 2}, {1, 2, 3, 4}, "float32"});
    m.attribute("seed_seen", std::to_string(m_seed));
    return m;
  }
  std::int64_t planned_steps() const override { return m_mode == "train" ? 7 : -1; }

 private:
  std::int64_t m_n = 0, m_steps = 0;
  std::string m_mode;
  std::uint64_t m_seed = 0;
};

inline void register_toy(Registry& r) {
  WorkloadInfo info;
  info.name = "toy";
  info.summary = "test workload";
  info.params.integer("n", 10, 1, 1000000, "terms per step")
      .choice("mode", "ok", {"ok", "invalid", "reject", "crash", "train"}, "behaviour")
      .boolean("flag", false, "unused flag")
      .number("x", 0.5, 0.0, 1.0, "unused number");
  info.metrics = {{"value", "", MetricKind::quantity, "the step's sum", true},
                  {"steps", "", MetricKind::quantity, "steps run"}};
  r.add(std::move(info), [] { return std::make_unique<Toy>(); });
}

}  // namespace xpb::test
