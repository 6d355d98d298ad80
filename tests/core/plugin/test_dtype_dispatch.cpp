// tests/core/plugin/test_dtype_dispatch.cpp — DTypeDispatch picks the element type from `dtype`
// and forwards every Workload virtual. Each virtual of the probe answers with something only the
// typed implementation can know (sizeof(T)), so a virtual the wrapper does not forward falls
// back to Workload's default (or nothing) and its check fails. A new virtual in workload.hpp
// belongs in dtype_dispatch.hpp and in this list.
#include <catch2/catch_test_macros.hpp>

#include "core/plugin/plugin.hpp"

using namespace xpb;

namespace {

template <class T>
class Probe final : public Workload {
 public:
  void setup(const Params& p, Context&) override { m_steps = p.get_int("steps"); }
  StepResult step(Context&) override {
    StepResult r;
    r.value("bytes", double(sizeof(T)));
    return r;
  }
  Ledger ledger() const override {
    return {{"probe/k", OpKind::vector, sizeof(T) == 8 ? DType::fp64 : DType::fp32, 1, double(sizeof(T))}};
  }
  Validation validate(Context&) override { return Validation::ok("probe " + std::to_string(sizeof(T))); }
  Metrics finish(Context&) override {
    Metrics m;
    m.scalar("bytes", double(sizeof(T)));
    return m;
  }
  std::int64_t planned_steps() const override { return m_steps * static_cast<std::int64_t>(sizeof(T)); }

 private:
  std::int64_t m_steps = 0;
};

Params params(const std::string& dtype) {
  ParamSchema s;
  s.choice("dtype", "fp32", dispatch_dtypes(), "element type").integer("steps", 3, 1, 100, "steps");
  return complete(s, {{"dtype", dtype}});
}

}  // namespace

TEST_CASE("DTypeDispatch forwards every virtual to the chosen element type", "[core][plugin]") {
  for (const auto& [dtype, bytes] : {std::pair<std::string, std::size_t>{"fp32", 4}, {"fp64", 8}}) {
    INFO(dtype);
    DTypeDispatch<Probe> w;
    CHECK(w.ledger().empty());        // before set-up: nothing to forward to
    CHECK(w.planned_steps() == -1);
    Context ctx;
    w.setup(params(dtype), ctx);
    const StepResult r = w.step(ctx);
    REQUIRE(r.values.size() == 1);
    CHECK(r.values[0].second == double(bytes));
    REQUIRE(w.ledger().size() == 1);
    CHECK(w.ledger()[0].bytes == double(bytes));
    CHECK(w.ledger()[0].dtype == (bytes == 8 ? DType::fp64 : DType::fp32));
    CHECK(w.validate(ctx).reason == "probe " + std::to_string(bytes));
    const Metrics m = w.finish(ctx);
    REQUIRE(m.scalars.size() == 1);
    CHECK(m.scalars[0].value == double(bytes));
    // A training workload's step count must come through the wrapper, not the -1 default.
    CHECK(w.planned_steps() == 3 * static_cast<std::int64_t>(bytes));
  }
}

TEST_CASE("DTypeDispatch rejects a dtype it cannot dispatch", "[core][plugin]") {
  DTypeDispatch<Probe> w;
  Context ctx;
  Params p;
  p.set("dtype", std::string("bf16"));
  p.set("steps", std::int64_t{1});
  CHECK_THROWS_AS(w.setup(p, ctx), Error);
}
