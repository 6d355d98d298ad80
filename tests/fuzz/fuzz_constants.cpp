// tests/fuzz/fuzz_constants.cpp — fuzz target: the model constants file (data/model/constants.yaml,
// load_model_constants_text). The process-wide cached copy is not touched.
#include "core/model/constants.hpp"
#include "tests/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return xpb::fuzz::judge(
      "fuzz_constants", [&] { xpb::load_model_constants_text(xpb::fuzz::as_text(data, size), "fuzz.yaml"); });
}
