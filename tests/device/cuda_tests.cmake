# The CUDA build (make cuda: build-cuda, or XPB_CUDA_BUILD_DIR) checked from the host build's test
# suite, since no GPU is here to run its own tests: it answers --version without a GPU, and
# scripts/device-check.sh packs it into a folder that runs on a GPU machine without this one's
# libraries. Each test exits 77 (a visible skip) where there is no CUDA build (no nvcc here).
# Also the CUDA build's device code and the Kokkos 5 header check of every source, both compile-only.
set(XPB_CUDA_BUILD_DIR "${PROJECT_SOURCE_DIR}/build-cuda" CACHE PATH
    "The CUDA build the cuda.* tests check (make cuda)")
set(XPB_DEVICE ${CMAKE_CURRENT_SOURCE_DIR}/device)

add_test(NAME cuda.version
         COMMAND ${XPB_DEVICE}/cuda_version.sh ${XPB_CUDA_BUILD_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/cli/expect.sh)
add_test(NAME cuda.device_check_pack
         COMMAND ${XPB_DEVICE}/device_check_pack.sh ${PROJECT_SOURCE_DIR} ${XPB_CUDA_BUILD_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/device_pack)
set_tests_properties(cuda.version cuda.device_check_pack PROPERTIES LABELS cuda SKIP_RETURN_CODE 77)
set_tests_properties(cuda.device_check_pack PROPERTIES TIMEOUT 300)

# The CUDA build's device code, compiled (not linked, not run) on every machine with nvcc, with or
# without a CUDA build: nvcc through its device passes for each workload source and each source
# that launches Kokkos kernels or names CUDA (scripts/check-cuda.sh: 45 sources, about 2 minutes on
# 2 idle cores; the whole CUDA build, `make cuda`, takes about 30 minutes here). Exit 77 (a skip)
# where there is no nvcc.
# catches: a host function called in a kernel, and CUDA-only host code (the cuBLAS path) that no
# longer compiles (each planted once, docs/gpu.md).
add_test(NAME build.cuda_device_code
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-cuda.sh ${PROJECT_BINARY_DIR})
set_tests_properties(build.cuda_device_code PROPERTIES LABELS "build;cuda" SKIP_RETURN_CODE 77
                     TIMEOUT 1200 COST 300)

# Every source of this build compiled (syntax only) against Debian sid's Kokkos 5 headers, C++20.
add_test(NAME build.kokkos5_headers
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-cxx20.sh ${PROJECT_BINARY_DIR}
                 --kokkos ${PROJECT_SOURCE_DIR}/.cache/kokkos5-headers/include)
set_tests_properties(build.kokkos5_headers PROPERTIES LABELS build TIMEOUT 1500 COST 330)

# The recorded C++ standard is the one the compiler used, not CMAKE_CXX_STANDARD.
add_test(NAME build.cxx_standard_recorded
         COMMAND ${XPB_DEVICE}/cxx_standard.sh ${PROJECT_BINARY_DIR}/generated/build_info.cpp
                 ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cxx_standard)
set_tests_properties(build.cxx_standard_recorded PROPERTIES LABELS build)
