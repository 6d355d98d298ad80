// core/base/device_info.cpp — see device_info.hpp.
#include "core/base/device_info.hpp"

#include <Kokkos_Core.hpp>
#include <fstream>
#include <sstream>

#include "core/base/subprocess.hpp"

#if defined(KOKKOS_ENABLE_CUDA)
#include <cuda_runtime_api.h>
#endif

namespace xpb {

namespace {

std::string trimmed(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

[[maybe_unused]] std::string cuda_version_text(int v) {  // 13000 → "13.0"
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

}  // namespace

std::string nvidia_driver_version() {
  // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.03  Thu ..."
  std::ifstream in("/proc/driver/nvidia/version");
  std::string line;
  if (std::getline(in, line)) {
    const std::string key = "Kernel Module";
    const auto k = line.find(key);
    if (k != std::string::npos) {
      std::istringstream rest(line.substr(k + key.size()));
      std::string v;
      if (rest >> v) return v;
    }
  }
  if (find_in_path("nvidia-smi").empty()) return "";
  const ProcessResult r =
      run_process({"nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"}, {}, 20.0);
  if (!r.started || r.timed_out || r.exit_code != 0) return "";
  std::istringstream out(r.out);
  std::string first;
  std::getline(out, first);  // one line per GPU; they share the driver
  return trimmed(first);
}

DeviceInfo device_info() {
  DeviceInfo d;
#if defined(KOKKOS_ENABLE_CUDA)
  int dev = 0;
  cudaDeviceProp p{};
  if (cudaGetDevice(&dev) != cudaSuccess || cudaGetDeviceProperties(&p, dev) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error; the fields stay empty
    return d;
  }
  d.present = true;
  d.name = p.name;
  d.compute_capability = std::to_string(p.major) + "." + std::to_string(p.minor);
  d.memory_bytes = static_cast<long long>(p.totalGlobalMem);
  d.multiprocessors = p.multiProcessorCount;
  int v = 0;
  if (cudaDriverGetVersion(&v) == cudaSuccess) d.cuda_driver_api = cuda_version_text(v);
  if (cudaRuntimeGetVersion(&v) == cudaSuccess) d.cuda_runtime = cuda_version_text(v);
  d.driver = nvidia_driver_version();
  if (d.driver.empty() && !d.cuda_driver_api.empty()) d.driver = "CUDA " + d.cuda_driver_api;
#endif
  return d;
}

}  // namespace xpb
