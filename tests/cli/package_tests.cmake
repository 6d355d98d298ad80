# The installed package and Kokkos Tools (included from tests/CMakeLists.txt; docs/install.md,
# docs/kokkos-tools.md).

# A tiny Kokkos Tools library (tests/cli/kokkos_tool/tiny_tool.c) loaded by `run
# --kokkos-tools-library` and by the environment variable; the result set records it.
add_library(xpb_test_kokkos_tool MODULE ${CMAKE_CURRENT_SOURCE_DIR}/cli/kokkos_tool/tiny_tool.c)
add_test(NAME cli.kokkos_tools
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/kokkos_tools.sh $<TARGET_FILE:xpubench>
                 $<TARGET_FILE:xpb_test_kokkos_tool>)
set_tests_properties(cli.kokkos_tools PROPERTIES LABELS cli TIMEOUT 120)
