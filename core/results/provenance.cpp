// core/results/provenance.cpp — gathering build, Kokkos, host and environment facts.
#include "core/results/provenance.hpp"

#include <cstdlib>
#include <sstream>

#include "core/base/build_info.hpp"
#include "core/base/device_info.hpp"
#include "core/base/system.hpp"
#include "core/base/kokkos_compat.hpp"

extern char** environ;

namespace xpb {

std::string kokkos_configuration() {
  std::ostringstream os;
  Kokkos::print_configuration(os, false);
  return os.str();
}

namespace {
// The Kokkos Tools library given to Kokkos at initialisation (core/base/kokkos_compat.hpp).
std::string tools_library_record() {
  const std::string& lib = compat::tools_library();
  if (lib.empty()) return "none";
  return compat::tools_library_loaded() ? lib : lib + " (not loaded)";
}
}  // namespace

Provenance collect_provenance(const std::string& command_line) {
  const BuildInfo& b = build_info();
  Provenance p;
  p.strings = {
      {"tool_version", b.version},
      {"git_commit", b.git_commit},
      {"compiler", b.compiler},
      {"cxx_flags", b.cxx_flags},
      {"build_type", b.build_type},
      {"kokkos_version", compat::version_string()},
      {"kokkos_backend", compat::backend_name()},
      {"kokkos_backends_compiled", compat::compiled_backends()},
      {"kokkos_gpu_arch", compat::gpu_arch()},
      {"kokkos_config", kokkos_configuration()},
      {"kokkos_tools_library", tools_library_record()},
      {"host", host_name()},
      {"cpu_model", cpu_model()},
      {"created_utc", utc_now()},
      {"command_line", command_line},
  };
  p.integers = {{"git_dirty", b.git_dirty ? 1 : 0},
                {"kokkos_threads", compat::concurrency()},
                {"cxx_standard", b.cxx_standard}};
  // The GPU the kernels ran on (GPU backends only): name, driver, capability, memory.
  const DeviceInfo d = device_info();
  if (d.present) {
    p.strings.insert(p.strings.end(), {{"gpu_name", d.name},
                                       {"gpu_driver", d.driver},
                                       {"gpu_compute_capability", d.compute_capability},
                                       {"cuda_driver_api", d.cuda_driver_api},
                                       {"cuda_runtime", d.cuda_runtime}});
    p.integers.insert(p.integers.end(), {{"gpu_memory_bytes", d.memory_bytes},
                                         {"gpu_multiprocessors", d.multiprocessors}});
  }
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = kv.substr(0, eq);
    for (const char* prefix : {"OMP_", "KOKKOS_", "XPB_", "CUDA_VISIBLE_DEVICES", "OMPI_COMM_WORLD_SIZE",
                               "OPENBLAS_NUM_THREADS", "SLURM_JOB_ID"}) {
      if (k.rfind(prefix, 0) == 0) {
        p.environment.emplace_back(k, kv.substr(eq + 1));
        break;
      }
    }
  }
  return p;
}

}  // namespace xpb
