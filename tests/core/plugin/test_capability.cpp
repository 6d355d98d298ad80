// tests/core/plugin/test_capability.cpp — capability declarations: the parameters of one calibration
// run, how they read in a method line, the registry's lookup by capability, and the check that
// rejects a declaration its workload's parameters cannot honour.
#include <catch2/catch_test_macros.hpp>
#include <memory>
#include <string>

#include "core/plugin/registry.hpp"
#include "tests/core/toy_workload.hpp"

namespace {

xpb::ParamSchema schema() {
  xpb::ParamSchema s;
  s.integer("m", 64, 1, 4096, "rows")
      .integer("n", 64, 1, 4096, "cols")
      .integer("k", 64, 1, 4096, "inner")
      .choice("dtype", "fp32", {"fp32", "fp64"}, "element type")
      .choice("path", "native", {"native", "vendor"}, "implementation")
      .number("alpha", 1.0, 0.0, 2.0, "scale");
  return s;
}

}  // namespace

TEST_CASE("capability: the parameters of one run set size, dtype, variant and fixed values", "[capability]") {
  const auto spec = xpb::CapabilitySpec(xpb::Capability::matmul_peak)
                        .size({"m", "n", "k"})
                        .dtype("dtype", {xpb::DType::fp64, xpb::DType::fp32})
                        .variant("path", {"native", "vendor"})
                        .set("alpha", 0.5);
  CHECK(spec.check(schema()).empty());
  const auto p = spec.params(256, xpb::DType::fp64, "vendor");
  CHECK(std::get<std::int64_t>(p.at("m")) == 256);
  CHECK(std::get<std::int64_t>(p.at("n")) == 256);
  CHECK(std::get<std::int64_t>(p.at("k")) == 256);
  CHECK(std::get<std::string>(p.at("dtype")) == "fp64");
  CHECK(std::get<std::string>(p.at("path")) == "vendor");
  CHECK(std::get<double>(p.at("alpha")) == 0.5);
  CHECK(p.size() == 6);
  CHECK(spec.size_label() == "m=n=k");
  CHECK(spec.fixed_label() == "alpha=0.5");
  CHECK(spec.runs(xpb::DType::fp32));
  CHECK(!spec.runs(xpb::DType::bf16));
  // No variant, no dtype: only size and fixed values.
  CHECK(spec.params(8, std::nullopt, "").size() == 4);
  // A string literal stays a string (not a bool).
  const auto ring = xpb::CapabilitySpec(xpb::Capability::collective_link).set("path", "vendor");
  CHECK(std::holds_alternative<std::string>(ring.fixed.at("path")));
}

TEST_CASE("capability: a declaration its parameters cannot honour is rejected, with the reason",
          "[capability]") {
  using xpb::Capability;
  using xpb::CapabilitySpec;
  using xpb::DType;
  auto says = [](const CapabilitySpec& c, const std::string& part) {
    const std::string why = c.check(schema());
    INFO(why);
    return why.find(part) != std::string::npos;
  };
  CHECK(says(CapabilitySpec(Capability::matmul_peak).size({"rows"}).dtype({DType::fp32}),
             "no parameter 'rows'"));
  CHECK(says(CapabilitySpec(Capability::memory_bandwidth).size({"dtype"}).dtype({DType::fp32}),
             "'dtype' is not an integer"));
  CHECK(says(CapabilitySpec(Capability::matmul_peak).size({"m"}), "needs the element types"));
  CHECK(says(CapabilitySpec(Capability::collective_link), "needs a size parameter"));
  CHECK(says(CapabilitySpec(Capability::matmul_peak).size({"m"}).dtype("dtype", {DType::bf16}),
             "'bf16' is not a choice of 'dtype'"));
  CHECK(says(CapabilitySpec(Capability::matmul_peak).size({"m"}).dtype("m", {DType::fp32}),
             "'m' is not a choice parameter"));
  CHECK(says(CapabilitySpec(Capability::launch_overhead).variant("path", {"cuda"}),
             "'cuda' is not a choice of 'path'"));
  CHECK(says(CapabilitySpec(Capability::launch_overhead).size({"m"}), "takes no size"));
  CHECK(says(CapabilitySpec(Capability::launch_overhead).set("alpha", 3.0), "alpha: value 3"));
  CHECK(says(CapabilitySpec(Capability::launch_overhead).set("beta", 1.0), "no parameter 'beta'"));
  CHECK(CapabilitySpec(Capability::launch_overhead).check(schema()).empty());
}

TEST_CASE("capability: the registry finds workloads by capability, in name order", "[capability]") {
  xpb::Registry reg;
  for (const char* name : {"zeta", "alpha", "mid"}) {
    xpb::WorkloadInfo info;
    info.name = name;
    info.params.integer("n", 10, 1, 1000000, "elements");
    if (std::string(name) != "mid")
      info.capabilities.push_back(
          xpb::CapabilitySpec(xpb::Capability::memory_bandwidth).size({"n"}).dtype({xpb::DType::fp64}));
    reg.add(std::move(info), [] { return std::make_unique<xpb::test::Toy>(); });
  }
  const auto found = reg.providers(xpb::Capability::memory_bandwidth);
  REQUIRE(found.size() == 2);
  CHECK(found[0].info->name == "alpha");
  CHECK(found[1].info->name == "zeta");
  CHECK(found[0].spec->size_params == std::vector<std::string>{"n"});
  CHECK(reg.providers(xpb::Capability::matmul_peak).empty());
}
