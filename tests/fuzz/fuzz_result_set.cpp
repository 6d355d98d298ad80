// tests/fuzz/fuzz_result_set.cpp — fuzz target: HDF5 result sets (analysis::load_result_set, what
// report, compare, verify and plot read). HDF5 opens files by name, so each input is written to one
// private temporary file first. Reports, plots and comparisons of what was read are not fuzzed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "analysis/result_set.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {

// One scratch file per process, removed at exit; libFuzzer runs inputs one after another.
const std::string& scratch_path() {
  static const std::string path = [] {
    std::string p = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                    "/xpb-fuzz-result-set." + std::to_string(::getpid()) + ".h5";
    std::atexit([] { std::remove(scratch_path().c_str()); });
    return p;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = scratch_path();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();  // the harness, not the loader, failed
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return xpb::fuzz::judge("fuzz_result_set", [&] { xpb::analysis::load_result_set(path); });
}
