// tests/fuzz/fuzz_experiment.cpp — fuzz target: experiment files (parse_experiment, with sweeps,
// zips, seeds, projections and the cell budget). The registry holds two stand-in workloads,
// `stream` and `gemm`, with the parameters the shipped files give them and no kernels behind them;
// an input naming another workload stops at the name check.
#include <memory>
#include <utility>

#include "core/experiment/experiment.hpp"
#include "core/plugin/registry.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {

xpb::Registry stand_in_registry() {
  xpb::Registry r;
  // stream: one parameter of each type; gemm: the three sizes the shipped files zip together.
  xpb::WorkloadInfo stream;
  stream.name = "stream";
  stream.summary = "fuzz stand-in";
  stream.params.integer("n", 1024, 1, 1 << 30, "an integer")
      .choice("dtype", "fp32", {"fp32", "fp64", "bf16"}, "a choice")
      .number("alpha", 0.5, 0.0, 1.0, "a bounded number")
      .boolean("check", true, "a flag")
      .string("label", "x", "a string");
  r.add(std::move(stream), [] { return std::unique_ptr<xpb::Workload>(); });
  xpb::WorkloadInfo gemm;
  gemm.name = "gemm";
  gemm.summary = "fuzz stand-in";
  gemm.params.integer("n", 256, 1, 1 << 16, "rows")
      .integer("m", 256, 1, 1 << 16, "columns")
      .integer("k", 256, 1, 1 << 16, "inner size")
      .choice("precision", "fp32", {"fp32", "fp64", "bf16", "fp16"}, "charged precision");
  r.add(std::move(gemm), [] { return std::unique_ptr<xpb::Workload>(); });
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const xpb::Registry registry = stand_in_registry();
  // A small cell budget keeps one input's expansion cheap; the budget check itself is fuzzed.
  return xpb::fuzz::judge("fuzz_experiment", [&] {
    xpb::parse_experiment(xpb::fuzz::as_text(data, size), "fuzz.yaml", registry, 4096);
  });
}
