// core/base/kokkos_compat.hpp — the one place where Kokkos 3.4 and Kokkos 4.x/5.x differ for us.
// Everything else in the project codes to the API these versions share. Nothing here is a
// feature; it only papers over renames and moved headers.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdlib>
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
  std::string tools_library;     // a Kokkos Tools library to load (--kokkos-tools-library); "": none
};

// The environment variable this Kokkos reads a Kokkos Tools library from. Kokkos 4 still accepts
// the older name (with a deprecation warning), so it is read second there.
#if XPB_KOKKOS_AT_LEAST(4, 0)
inline constexpr const char* kToolsLibraryVariable = "KOKKOS_TOOLS_LIBS";
inline constexpr const char* kToolsLibraryOldVariable = "KOKKOS_PROFILE_LIBRARY";
#else
inline constexpr const char* kToolsLibraryVariable = "KOKKOS_PROFILE_LIBRARY";
inline constexpr const char* kToolsLibraryOldVariable = nullptr;
#endif

namespace detail {
inline std::string& tools_library_requested() {  // set once by initialize()
  static std::string s;
  return s;
}
}  // namespace detail

// The Kokkos Tools library this process handed to Kokkos: the option, else the variable above;
// "" when none. Whether Kokkos managed to load it: tools_library_loaded().
inline const std::string& tools_library() { return detail::tools_library_requested(); }
inline bool tools_library_loaded() { return Kokkos::Tools::profileLibraryLoaded(); }

// Initialise Kokkos with the version-appropriate argument type. A tools library given in the
// options wins over the environment variable.
inline void initialize(const InitOptions& o) {
  std::string tools = o.tools_library;
  for (const char* var : {kToolsLibraryVariable, kToolsLibraryOldVariable})
    if (const char* v = var && tools.empty() ? std::getenv(var) : nullptr; v != nullptr) tools = v;
  detail::tools_library_requested() = tools;
#if XPB_KOKKOS_AT_LEAST(3, 7)
  Kokkos::InitializationSettings s;
  if (o.num_threads > 0) s.set_num_threads(o.num_threads);
  s.set_disable_warnings(o.disable_warnings);
  if (!o.tools_library.empty()) s.set_tools_libs(o.tools_library);  // settings win over variables
  Kokkos::initialize(s);
#else
  Kokkos::InitArguments a;
  a.num_threads = o.num_threads;
  a.disable_warnings = o.disable_warnings;
  // Kokkos 3.x throws when the argument and KOKKOS_PROFILE_LIBRARY differ: the option wins, so the
  // variable is made to agree (and /environment records what Kokkos read).
  if (!o.tools_library.empty()) {
    a.tool_lib = o.tools_library;
    setenv(kToolsLibraryVariable, o.tools_library.c_str(), 1);
  }
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

// The default execution space's name ("Cuda", "OpenMP", "Serial", ...). A static name in every
// version: it needs no initialised Kokkos, so `xpubench --version` can print it on a machine
// without the GPU the build targets.
inline std::string backend_name() { return Kokkos::DefaultExecutionSpace::name(); }

// Every execution space compiled into this Kokkos, device first ("Cuda, Serial").
inline std::string compiled_backends() {
  std::string s;
  const auto add = [&s](const char* n) { s += (s.empty() ? "" : ", ") + std::string(n); };
#ifdef KOKKOS_ENABLE_CUDA
  add("Cuda");
#endif
#ifdef KOKKOS_ENABLE_HIP
  add("HIP");
#endif
#ifdef KOKKOS_ENABLE_SYCL
  add("SYCL");
#endif
#ifdef KOKKOS_ENABLE_OPENMP
  add("OpenMP");
#endif
#ifdef KOKKOS_ENABLE_THREADS
  add("Threads");
#endif
#ifdef KOKKOS_ENABLE_SERIAL
  add("Serial");
#endif
  return s;
}

// The GPU architecture the device code was compiled for, from Kokkos's KOKKOS_ARCH_* macros
// ("AMPERE80 (sm_80)"); "none" for a host-only build. Kokkos defines one GPU arch per build.
inline std::string gpu_arch() {
#if defined(KOKKOS_ARCH_BLACKWELL120)
  return "BLACKWELL120 (sm_120)";
#elif defined(KOKKOS_ARCH_BLACKWELL100)
  return "BLACKWELL100 (sm_100)";
#elif defined(KOKKOS_ARCH_HOPPER90)
  return "HOPPER90 (sm_90)";
#elif defined(KOKKOS_ARCH_ADA89)
  return "ADA89 (sm_89)";
#elif defined(KOKKOS_ARCH_AMPERE87)
  return "AMPERE87 (sm_87)";
#elif defined(KOKKOS_ARCH_AMPERE86)
  return "AMPERE86 (sm_86)";
#elif defined(KOKKOS_ARCH_AMPERE80)
  return "AMPERE80 (sm_80)";
#elif defined(KOKKOS_ARCH_TURING75)
  return "TURING75 (sm_75)";
#elif defined(KOKKOS_ARCH_VOLTA72)
  return "VOLTA72 (sm_72)";
#elif defined(KOKKOS_ARCH_VOLTA70)
  return "VOLTA70 (sm_70)";
#elif defined(KOKKOS_ARCH_AMD_GFX942)
  return "AMD_GFX942";
#elif defined(KOKKOS_ARCH_AMD_GFX90A)
  return "AMD_GFX90A";
#elif defined(KOKKOS_ARCH_AMD_GFX908)
  return "AMD_GFX908";
#elif defined(KOKKOS_ENABLE_CUDA) || defined(KOKKOS_ENABLE_HIP) || defined(KOKKOS_ENABLE_SYCL)
  return "unknown";
#else
  return "none";
#endif
}

// What this binary was compiled with, without initialising Kokkos (the `--version` line):
// "Kokkos 3.4.1, backend Cuda (compiled: Cuda, Serial), GPU arch AMPERE80 (sm_80)".
inline std::string compiled_configuration() {
  std::string s = "Kokkos " + version_string() + ", backend " + backend_name() + " (compiled: " +
                  compiled_backends() + ")";
  const std::string arch = gpu_arch();
  if (arch != "none") s += ", GPU arch " + arch;
  return s;
}

}  // namespace xpb::compat
