// tests/fuzz/fuzz_result_set.cpp — fuzz target: HDF5 result sets (analysis::load_result_set, what
// report, compare, verify and plot read). HDF5 opens files by name, so each input is written to one
// private temporary file first. Reports, plots and comparisons of what was read are not fuzzed.
#include <string>

#include "analysis/result_set.hpp"
#include "tests/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = xpb::fuzz::write_scratch("result-set", ".h5", data, size);
  return xpb::fuzz::judge("fuzz_result_set", [&] { xpb::analysis::load_result_set(path); });
}
