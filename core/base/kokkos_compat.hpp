// core/base/kokkos_compat.hpp — the one place where Kokkos 3.4 and Kokkos 4.x/5.x differ for us.
// Everything else in the project codes to the API these versions share. Nothing here is a
// feature; it only papers over renames and moved headers.
#pragma once

#include <Kokkos_Core.hpp>
#include <string>

#ifndef KOKKOS_VERSION
#error "Kokkos_Core.hpp did not define KOKKOS_VERSION"
#endif

// KOKKOS_VERSION is MAJOR*10000 + MINOR*100 + PATCH.
#define XPB_KOKKOS_AT_LEAST(major, minor) (KOKKOS_VERSION >= ((major) * 10000 + (minor) * 100))

namespace xpb::compat {

// Mathematical functions: Kokkos::Experimental:: in 3.x, Kokkos:: from 3.7/4.0 on. Device code uses
// these (xpb::compat::exp) rather than std:: so it compiles for CUDA, HIP and SYCL.
#if XPB_KOKKOS_AT_LEAST(4, 0)
using Kokkos::cos;
using Kokkos::exp;
using Kokkos::fabs;
using Kokkos::log;
using Kokkos::sqrt;
using Kokkos::tanh;
using Kokkos::pow;
#else
using Kokkos::Experimental::cos;
using Kokkos::Experimental::exp;
using Kokkos::Experimental::fabs;
using Kokkos::Experimental::log;
using Kokkos::Experimental::sqrt;
using Kokkos::Experimental::tanh;
using Kokkos::Experimental::pow;
#endif

struct InitOptions {
  int num_threads = -1;          // -1: let Kokkos decide (OMP_NUM_THREADS, ...)
  bool disable_warnings = true;  // Kokkos 3.4 prints an OMP_PROC_BIND warning on stdout
};

// Initialise Kokkos with the version-appropriate argument type.
inline void initialize(const InitOptions& o) {
#if XPB_KOKKOS_AT_LEAST(3, 7)
  Kokkos::InitializationSettings s;
  if (o.num_threads > 0) s.set_num_threads(o.num_threads);
  s.set_disable_warnings(o.disable_warnings);
  Kokkos::initialize(s);
#else
  Kokkos::InitArguments a;
  a.num_threads = o.num_threads;
  a.disable_warnings = o.disable_warnings;
  Kokkos::initialize(a);
#endif
}

// Threads (or device concurrency) of the default execution space.
inline int concurrency() {
#if XPB_KOKKOS_AT_LEAST(4, 0)
  return Kokkos::DefaultExecutionSpace().concurrency();
#else
  return Kokkos::DefaultExecutionSpace::concurrency();
#endif
}

inline std::string version_string() {
  const int v = KOKKOS_VERSION;
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." +
         std::to_string(v % 100);
}

inline std::string backend_name() { return Kokkos::DefaultExecutionSpace::name(); }

}  // namespace xpb::compat
