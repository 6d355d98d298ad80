// core/base/rng.hpp — counter-based random numbers keyed by (seed, stream, index).
// Every random value in the project comes from here, so a value depends only on its key and never
// on thread count, schedule or backend. Usable inside Kokkos kernels. Not cryptographic.
#pragma once

#include <cstdint>

#include "core/base/kokkos_compat.hpp"
namespace xpb {

// SplitMix64 finaliser: a bijective 64-bit mix with good avalanche.
KOKKOS_INLINE_FUNCTION std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Rng {
  std::uint64_t key = 0;  // derived from (seed, stream)

  Rng() = default;  // defaulted: host and device alike (nvcc ignores annotations here)
  KOKKOS_INLINE_FUNCTION Rng(std::uint64_t seed, std::uint64_t stream)
      : key(mix64(mix64(seed) ^ (stream * 0xd1b54a32d192ed03ULL))) {}

  KOKKOS_INLINE_FUNCTION std::uint64_t bits(std::uint64_t index) const {
    return mix64(key ^ mix64(index + 0x632be59bd9b4e019ULL));
  }
  // Uniform in [0, 1) with 53 random bits.
  KOKKOS_INLINE_FUNCTION double uniform(std::uint64_t index) const {
    return static_cast<double>(bits(index) >> 11) * (1.0 / 9007199254740992.0);
  }
  // Uniform integer in [0, n).
  KOKKOS_INLINE_FUNCTION std::uint64_t below(std::uint64_t index, std::uint64_t n) const {
    return static_cast<std::uint64_t>(uniform(index) * static_cast<double>(n)) % n;
  }
  // Standard normal (Box-Muller on two sub-indices of `index`).
  KOKKOS_INLINE_FUNCTION double normal(std::uint64_t index) const {
    const double u1 = 1.0 - uniform(2 * index);  // (0, 1]
    const double u2 = uniform(2 * index + 1);
    return compat::sqrt(-2.0 * compat::log(u1)) * compat::cos(6.283185307179586 * u2);
  }
};

// Stable 64-bit hash of a string (FNV-1a), for deriving stream ids from names.
inline std::uint64_t hash_name(const char* s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (; *s; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 0x100000001b3ULL;
  return h;
}

}  // namespace xpb
