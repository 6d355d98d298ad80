# cmake/XpbInstall.cmake — what `cmake --install build --prefix P` writes (docs/install.md):
#   P/bin/xpubench                      the program; it finds P/share/xpubench from its own path
#   P/share/xpubench/{platforms,experiments,analysis/plots,data/model}   its read-only data
#   P/include/xpubench/{core,workloads/...}/*.hpp   the plugin API and the headers it includes
#   P/lib/libxpb_*.a                    the libraries: core rooms, CLI (with main), workloads
#   P/lib/cmake/xpubench/               xpubenchConfig.cmake, its version file, the exported
#                                       targets (xpubench::plugin, xpubench::cli, ...) and
#                                       XpbWorkloads.cmake (xpb_add_workload, xpubench_add_executable)
# It installs no test, benchmark or calibration cache; nothing here builds anything.
include(CMakePackageConfigHelpers)
set(XPB_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/xpubench")

get_property(XPB_INSTALLED_WORKLOADS GLOBAL PROPERTY XPB_WORKLOAD_NAMES)
list(REMOVE_DUPLICATES XPB_INSTALLED_WORKLOADS)
list(SORT XPB_INSTALLED_WORKLOADS)
set(_xpb_targets xpb_base xpb_plugin xpb_platforms xpb_model xpb_experiment xpb_results xpb_run xpb_core
                 xpb_analysis xpb_calibration xpb_cli)
foreach(t xpb_nn xpb_text)
  if(TARGET ${t})
    list(APPEND _xpb_targets ${t})
  endif()
endforeach()
foreach(n IN LISTS XPB_INSTALLED_WORKLOADS)
  list(APPEND _xpb_targets xpb_workload_${n})
endforeach()

install(TARGETS xpubench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${_xpb_targets} EXPORT xpubenchTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT xpubenchTargets NAMESPACE xpubench:: DESTINATION ${XPB_CMAKE_INSTALL_DIR})

# Headers, by the paths the sources include them with ("core/plugin/plugin.hpp").
set(_xpb_inc "${CMAKE_INSTALL_INCLUDEDIR}/xpubench")
install(DIRECTORY core/ DESTINATION ${_xpb_inc}/core FILES_MATCHING PATTERN "*.hpp")
install(FILES workloads/register_all.hpp DESTINATION ${_xpb_inc}/workloads)
install(FILES cli/cli.hpp DESTINATION ${_xpb_inc}/cli)
foreach(shared nn text)
  if(TARGET xpb_${shared})
    install(DIRECTORY workloads/${shared}/ DESTINATION ${_xpb_inc}/workloads/${shared}
            FILES_MATCHING PATTERN "*.hpp")
  endif()
endforeach()

# The share folder (core/base/paths.hpp, kInstallShareDir).
set(_xpb_share "${CMAKE_INSTALL_DATADIR}/xpubench")
install(DIRECTORY platforms experiments DESTINATION ${_xpb_share})
install(DIRECTORY analysis/plots DESTINATION ${_xpb_share}/analysis PATTERN "__pycache__" EXCLUDE)
install(DIRECTORY data/model DESTINATION ${_xpb_share}/data)

# The package: its dependencies are found again (xpubenchConfig.cmake.in), then the targets.
set(XPB_PACKAGE_MPI ${MPI_C_FOUND})
set(XPB_PACKAGE_ZLIB OFF)
if("ernie" IN_LIST XPB_INSTALLED_WORKLOADS)  # its word lists are gzip (workloads/ernie)
  set(XPB_PACKAGE_ZLIB ON)
endif()
configure_package_config_file(cmake/xpubenchConfig.cmake.in
                              "${CMAKE_BINARY_DIR}/package/xpubenchConfig.cmake"
                              INSTALL_DESTINATION ${XPB_CMAKE_INSTALL_DIR}
                              PATH_VARS CMAKE_INSTALL_DATADIR)
write_basic_package_version_file("${CMAKE_BINARY_DIR}/package/xpubenchConfigVersion.cmake"
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/package/xpubenchConfig.cmake"
              "${CMAKE_BINARY_DIR}/package/xpubenchConfigVersion.cmake"
              cmake/XpbWorkloads.cmake
        DESTINATION ${XPB_CMAKE_INSTALL_DIR})
