# Generates build_info.cpp at every build (git commit, dirty flag, compiler, flags; the C++
# standard is the one the compiler reports), rewriting it
# only when its content changes so that an unchanged tree does not relink.
set(XPB_BUILD_INFO_CPP "${CMAKE_BINARY_DIR}/generated/build_info.cpp")
string(TOUPPER "${CMAKE_BUILD_TYPE}" _xpb_bt)
set(XPB_CXX_FLAGS_ALL "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_xpb_bt}}")
string(STRIP "${XPB_CXX_FLAGS_ALL}" XPB_CXX_FLAGS_ALL)
add_custom_target(xpb_build_info
  BYPRODUCTS "${XPB_BUILD_INFO_CPP}"
  COMMAND ${CMAKE_COMMAND}
          -DSRC_DIR=${CMAKE_SOURCE_DIR}
          -DBIN_DIR=${CMAKE_BINARY_DIR}
          -DOUT=${XPB_BUILD_INFO_CPP}
          -DVERSION=${PROJECT_VERSION}
          -DCOMPILER=${CMAKE_CXX_COMPILER_ID}-${CMAKE_CXX_COMPILER_VERSION}
          "-DFLAGS=${XPB_CXX_FLAGS_ALL}"
          -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
          -P ${CMAKE_SOURCE_DIR}/cmake/write_build_info.cmake
  COMMENT "xpubench build info")
