// tests/fuzz/fuzz_journal.cpp — fuzz target: the writer's journal of cell records
// (core/results/record_journal.hpp, what --resume and the readers' note on unmerged cells read). The
// experiment is fixed (two `stream` cells of a stand-in workload), so an input gets past the header
// only with that experiment's SHA-256, as the seed corpus has it; each input is written to one
// private temporary file first.
#include <memory>
#include <string>
#include <utility>

#include "core/experiment/experiment.hpp"
#include "core/plugin/registry.hpp"
#include "core/results/record_journal.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {

const xpb::ExperimentSpec& experiment() {
  static const xpb::ExperimentSpec spec = [] {
    xpb::Registry r;
    xpb::WorkloadInfo stream;
    stream.name = "stream";
    stream.summary = "fuzz stand-in";
    stream.params.integer("n", 1024, 1, 1 << 30, "elements");
    r.add(std::move(stream), [] { return std::unique_ptr<xpb::Workload>(); });
    return xpb::parse_experiment(
        "name: fuzz-journal\nworkloads:\n  - workload: stream\n    params: {n: [1024, 2048]}\n",
        "fuzz-journal.yaml", r);
  }();
  return spec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const xpb::ExperimentSpec& spec = experiment();
  const std::string& path = xpb::fuzz::write_scratch("journal", "", data, size);
  return xpb::fuzz::judge("fuzz_journal", [&] {
    xpb::count_journal_entries(path);
    xpb::for_each_record(path, spec, [](xpb::CellRecord&&) {});
  });
}
