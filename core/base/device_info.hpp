// core/base/device_info.hpp — the accelerator this process runs its Kokkos kernels on: name,
// compute capability, memory, driver and runtime versions. Read from the CUDA runtime (through
// the device Kokkos initialised) and the NVIDIA driver; empty for host-only builds. Provenance
// (core/results/provenance.cpp) records it so that a result set names the GPU it ran on.
#pragma once

#include <string>

namespace xpb {

struct DeviceInfo {
  bool present = false;             // a GPU backend is compiled in and a device was found
  std::string name;                 // "NVIDIA H200"
  std::string compute_capability;   // "9.0"
  long long memory_bytes = 0;       // global memory
  int multiprocessors = 0;          // SMs
  std::string driver;               // "580.159.03" (the kernel module), or "CUDA 13.0" when unknown
  std::string cuda_driver_api;      // "13.0": the newest CUDA the driver supports
  std::string cuda_runtime;         // "13.0": the CUDA runtime linked into this binary
};

// Call after Kokkos is initialised (it reads the device Kokkos selected).
DeviceInfo device_info();

// The NVIDIA driver's version from /proc/driver/nvidia/version, else from `nvidia-smi`; "" if
// neither answers. Needs no GPU backend.
std::string nvidia_driver_version();

}  // namespace xpb
