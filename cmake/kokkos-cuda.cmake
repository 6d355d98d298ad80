# The Kokkos configuration of xpubench's CUDA builds, as a CMake initial cache (cmake -C): Kokkos
# 3.4.01 with Cuda + Serial, extended lambdas, device code for sm_80 (with its PTX, which Hopper
# GPUs JIT-compile; Kokkos 3.4 knows no HOPPER90). Read by scripts/setup.sh --cuda (the installed
# Kokkos of `make cuda`) and scripts/check-cuda.sh (Kokkos configured in-tree for the device-code
# check), so that both compile the same device code.
set(Kokkos_ENABLE_SERIAL ON CACHE BOOL "")
set(Kokkos_ENABLE_CUDA ON CACHE BOOL "")
set(Kokkos_ENABLE_CUDA_LAMBDA ON CACHE BOOL "")
set(Kokkos_ARCH_AMPERE80 ON CACHE BOOL "")
