// core/base/paths.hpp — where xpubench finds its files, resolved once per process.
//
// Every location the program reads or writes by default comes from here, from (first wins):
//   1. command-line flags (--share-dir, --data-dir, --cache-dir; cli/main.cpp),
//   2. the environment (XPB_SHARE_DIR, XPB_DATA_DIR, XPB_CACHE_DIR, XPB_PLATFORM_DIR,
//      XPB_HOST_DESCRIPTOR, XPB_PLOT_SCRIPT, XPB_PYTHON, XPB_MPIRUN, XPB_MODEL_CONSTANTS),
//   3. the install prefix: a binary at <prefix>/bin/xpubench reads <prefix>/share/xpubench
//      (the layout `cmake --install` writes; docs/architecture.md),
//   4. the source tree, only for a binary that runs from inside the build tree it was built in.
// Per-user state (the calibrated host descriptor, corpora, derived tables) lives in the cache
// folder: the source tree's .cache for a binary in its build tree, else $XDG_CACHE_HOME/xpubench
// or ~/.cache/xpubench. Nothing else in the program calls getenv for a location.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace xpb {

// The install layout, relative to the prefix.
inline constexpr const char* kInstallShareDir = "share/xpubench";

// What the resolution reads. from_process() fills everything but the flags.
struct PathSources {
  std::string share_dir_flag, data_dir_flag, cache_dir_flag;  // empty: not given
  std::map<std::string, std::string> env;  // the variables above (and HOME, XDG_CACHE_HOME) that are set
  std::string exe;                         // this executable, symlinks resolved; empty when unknown
  std::string build_dir;                   // the build tree this binary was compiled in
  std::string source_dir;                  // the source tree it was compiled from

  static PathSources from_process();  // getenv, /proc/self/exe and build_info()
};

struct Paths {
  // Read-only data: platforms/, experiments/ (with models/), analysis/plots/, data/model/. Empty: none found.
  std::string share_dir;
  std::vector<std::string> share_searched;  // the candidates looked at, each with why, in order
  std::vector<std::string> platform_dirs;   // $XPB_PLATFORM_DIR entries, then <share>/platforms
  std::string cache_dir;                    // writable: host.yaml, derived tables (created on first write)
  std::string data_dir;                     // corpora for workload set-up: <cache>/data unless set
  std::string host_descriptor;              // the file `host` resolves to when it exists: <cache>/host.yaml
  std::string python;                       // the interpreter for analysis/plots: /usr/bin/python3 unless set
  std::string mpirun;  // the MPI launcher calibrate starts: "mpirun" (from PATH) unless set
  bool mpirun_from_env = false;

  struct Entry {
    std::string name, path, origin;  // origin: the flag, variable or rule that gave the path
  };
  std::vector<Entry> entries;  // every location above, for `xpubench list paths`

  // <share_dir>/<rel>. Throws xpb::Error when no share folder was found: the message names
  // `what` and every place looked in, the hint the flag and variable that set it.
  std::string share(const std::string& rel, const std::string& what) const;
  std::string experiments_dir() const { return share("experiments", "the experiment files"); }
  std::string models_dir() const { return share("experiments/models", "the model specs"); }
  std::string plot_script() const;  // $XPB_PLOT_SCRIPT or <share>/analysis/plots/plot_results.py
  // The performance model's sourced constants: $XPB_MODEL_CONSTANTS or <share>/data/model/constants.yaml.
  std::string model_constants() const;
  // The validation rows known to miss (docs/validation.md): <share>/data/model/validation-misses.yaml.
  std::string validation_misses() const {
    return share("data/model/validation-misses.yaml", "the list of validation rows known to miss");
  }

 private:
  friend Paths resolve_paths(const PathSources& s);
  std::string m_plot_script_env, m_model_constants_env;
};

// Pure: the same sources give the same Paths. Throws xpb::Error when --share-dir or
// $XPB_SHARE_DIR names something that is not a folder.
Paths resolve_paths(const PathSources& s);

// This process's locations: resolved on first use from PathSources::from_process(), or set once
// by the command line (set_paths, before any subcommand runs).
const Paths& paths();
void set_paths(const Paths& p);

}  // namespace xpb
