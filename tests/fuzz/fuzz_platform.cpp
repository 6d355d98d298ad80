// tests/fuzz/fuzz_platform.cpp — fuzz target: platform descriptors (load_platform_text: units,
// links, devices, schema version). It does not resolve names against platforms/ or measure the host.
#include "core/platforms/platform.hpp"
#include "tests/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return xpb::fuzz::judge("fuzz_platform",
                          [&] { xpb::load_platform_text(xpb::fuzz::as_text(data, size), "fuzz.yaml"); });
}
