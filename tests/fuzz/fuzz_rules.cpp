// tests/fuzz/fuzz_rules.cpp — fuzz target: tolerance rules files (`--rules` of compare and verify,
// ToleranceRules::parse). Matching rules against result sets is not fuzzed here.
#include "analysis/tolerance_rules.hpp"
#include "tests/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return xpb::fuzz::judge("fuzz_rules", [&] {
    xpb::analysis::ToleranceRules::parse(xpb::fuzz::as_text(data, size), "fuzz.yaml");
  });
}
