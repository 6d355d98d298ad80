# The installed package and Kokkos Tools (included from tests/CMakeLists.txt; docs/install.md,
# docs/kokkos-tools.md).

# `cmake --install` into a temporary prefix, the example workload built against it as a separate
# project, the installed program run from a moved prefix. Slow-ish (one Kokkos file compiled and a
# link): labelled build, like the other tests that run a compiler.
set(_xpb_pkg_args -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER})
if(CMAKE_CXX_COMPILER_LAUNCHER)
  list(APPEND _xpb_pkg_args -DCMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER})
endif()
if(Kokkos_ROOT)
  list(APPEND _xpb_pkg_args -DKokkos_ROOT=${Kokkos_ROOT})
endif()
add_test(NAME build.install_package
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/install_package.sh ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}
                 ${_xpb_pkg_args})
set_tests_properties(build.install_package PROPERTIES LABELS "build;slow" TIMEOUT 900)

# A tiny Kokkos Tools library (tests/cli/kokkos_tool/tiny_tool.c) loaded by `run
# --kokkos-tools-library` and by the environment variable; the result set records it.
add_library(xpb_test_kokkos_tool MODULE ${CMAKE_CURRENT_SOURCE_DIR}/cli/kokkos_tool/tiny_tool.c)
add_test(NAME cli.kokkos_tools
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/kokkos_tools.sh $<TARGET_FILE:xpubench>
                 $<TARGET_FILE:xpb_test_kokkos_tool>)
set_tests_properties(cli.kokkos_tools PROPERTIES LABELS cli TIMEOUT 120)
