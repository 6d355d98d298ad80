// tests/fuzz/fuzz_target.hpp — what every fuzz target does with one input: hand it to a loader
// and judge the outcome. An xpb::Error is the loader's answer to bad input (exit 2 in the CLI) and
// fine; any other exception is a finding and aborts, so libFuzzer (or the replay driver) keeps the
// input. Crashes, hangs and sanitizer reports are caught by the tools, not here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <unistd.h>

#include "core/base/error.hpp"

namespace xpb::fuzz {

inline std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Writes the input to this process's scratch file `$TMPDIR/xpb-fuzz-<name>.<pid><suffix>` (removed
// at exit; libFuzzer runs inputs one after another) and returns its path: for loaders that open
// files by name. One name per executable: the path is fixed by the first call.
inline const std::string& write_scratch(const char* name, const char* suffix, const std::uint8_t* data,
                                        std::size_t size) {
  static const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                                  "/xpb-fuzz-" + name + "." + std::to_string(::getpid()) + suffix;
  // Registered once `path` is built, so it runs before the string's destructor (registered inside
  // the path's own initialiser, it ran after it and removed whatever the freed memory named).
  static const int removal = std::atexit([] { std::remove(path.c_str()); });
  static_cast<void>(removal);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();  // the harness, not the loader, failed
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

// Runs `load()`; returns 0 when it succeeds or throws xpb::Error, aborts on anything else.
template <class Load>
int judge(const char* target, Load&& load) {
  try {
    load();
  } catch (const xpb::Error&) {
    // Refused with a located message: the contract.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: not an xpb::Error: %s\n", target, e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "%s: a non-std exception escaped the loader\n", target);
    std::abort();
  }
  return 0;
}

}  // namespace xpb::fuzz
