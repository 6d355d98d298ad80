// tests/fuzz/fuzz_model.cpp — fuzz target: model files of `xpubench project` (load_model_text).
// It stops after loading: no plan search or projection runs on what was read.
#include "core/model/training_model.hpp"
#include "tests/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return xpb::fuzz::judge("fuzz_model",
                          [&] { xpb::load_model_text(xpb::fuzz::as_text(data, size), "fuzz.yaml"); });
}
