// workloads/text/byte_windows.hpp — random (B, T) training windows over a byte string.
// Window b of draw k starts at rng.below(k·B + b, len − T): a pure function of (seed, stream, k),
// so batches never depend on threads or on how many draws came before. Inputs are bytes
// [s, s+T), targets [s+1, s+T]. Nothing here is a Kokkos kernel (batches are tiny).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/rng.hpp"

namespace xpb::text {

class ByteWindows {
 public:
  // text must hold more than T bytes.
  ByteWindows(const std::string* text, int batch, int context);
  // Fills inputs and targets (B·T each, row-major (B, T)) for draw k of stream rng.
  void draw(const Rng& rng, std::uint64_t k, std::vector<int>& inputs, std::vector<int>& targets) const;

 private:
  const std::string* m_text;
  int m_batch, m_context;
};

}  // namespace xpb::text
