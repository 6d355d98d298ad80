// core/base/build_info.hpp — facts about this build, generated at build time (cmake/XpbBuildInfo.cmake).
#pragma once

namespace xpb {

struct BuildInfo {
  const char* version;
  const char* git_commit;
  bool git_dirty;
  const char* compiler;
  const char* cxx_flags;
  const char* build_type;
  const char* source_dir;  // the source tree this binary was built from (read by core/base/paths.cpp only)
  const char* binary_dir;  // the build tree it was built in (a binary inside it may fall back to source_dir)
  int cxx_standard;
};

const BuildInfo& build_info();

}  // namespace xpb
