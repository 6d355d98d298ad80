// core/base/paths.cpp — resolving the locations of core/base/paths.hpp.
#include "core/base/paths.hpp"

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <tuple>
#include <utility>

#include "core/base/build_info.hpp"
#include "core/base/error.hpp"

namespace xpb {

namespace fs = std::filesystem;

namespace {

// The variables the resolution reads; nothing else is taken from the environment.
const char* const kVariables[] = {
    "XPB_SHARE_DIR",   "XPB_DATA_DIR", "XPB_CACHE_DIR", "XPB_PLATFORM_DIR", "XPB_HOST_DESCRIPTOR",
    "XPB_PLOT_SCRIPT", "XPB_PYTHON",   "XPB_MPIRUN",    "XDG_CACHE_HOME",   "HOME",
    "XPB_MODEL_CONSTANTS"};

std::string env_of(const PathSources& s, const char* name) {
  const auto it = s.env.find(name);
  return it == s.env.end() ? std::string() : it->second;
}

bool is_dir(const std::string& p) {
  std::error_code ec;
  return !p.empty() && fs::is_directory(p, ec);
}

// True when `inner` is `outer` or lies below it (both made absolute and normalised first).
bool is_within(const std::string& inner, const std::string& outer) {
  if (inner.empty() || outer.empty()) return false;
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(inner, ec);
  const fs::path b = fs::weakly_canonical(outer, ec);
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // a trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

PathSources PathSources::from_process() {
  PathSources s;
  for (const char* name : kVariables)
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') s.env[name] = v;
  std::error_code ec;
  s.exe = fs::read_symlink("/proc/self/exe", ec).string();  // Linux; empty elsewhere
  s.build_dir = build_info().binary_dir;
  s.source_dir = build_info().source_dir;
  return s;
}

namespace {

// The share folder: flag, variable, install prefix, source tree. Returns where it came from.
std::string resolve_share(const PathSources& s, bool in_build_tree, Paths& p) {
  std::string share_origin;
  auto explicit_share = [&](const std::string& dir, const std::string& origin) {
    if (!is_dir(dir))
      throw Error({{}, 0, origin}, dir + " is not a folder",
                  "point " + origin + " at the folder holding platforms/ and experiments/ (" +
                      kInstallShareDir + " under the install prefix)");
    p.share_dir = dir;
    share_origin = origin;
  };
  if (!s.share_dir_flag.empty()) {
    explicit_share(s.share_dir_flag, "--share-dir");
  } else if (const std::string e = env_of(s, "XPB_SHARE_DIR"); !e.empty()) {
    explicit_share(e, "XPB_SHARE_DIR");
  } else {
    if (!s.exe.empty()) {
      const fs::path prefix = fs::path(s.exe).parent_path().parent_path();
      const std::string cand = (prefix / kInstallShareDir).string();
      if (is_dir(cand)) {
        p.share_dir = cand;
        share_origin = "install prefix " + prefix.string();
      } else {
        p.share_searched.push_back(cand + " (install prefix of " + s.exe + ")");
      }
    }
    if (p.share_dir.empty()) {
      if (in_build_tree) {
        p.share_dir = s.source_dir;
        share_origin = "source tree (this binary is in its build tree " + s.build_dir + ")";
      } else if (!s.source_dir.empty()) {
        p.share_searched.push_back(s.source_dir + " (source tree; used only by a binary inside " +
                                   (s.build_dir.empty() ? std::string("its build tree") : s.build_dir) + ")");
      }
    }
  }
  return share_origin;
}

// The cache folder: flag, variable, the source tree's .cache (build tree), XDG, HOME, temp.
std::string resolve_cache(const PathSources& s, bool in_build_tree, Paths& p) {
  std::string cache_origin;
  if (!s.cache_dir_flag.empty()) {
    p.cache_dir = s.cache_dir_flag;
    cache_origin = "--cache-dir";
  } else if (const std::string e = env_of(s, "XPB_CACHE_DIR"); !e.empty()) {
    p.cache_dir = e;
    cache_origin = "XPB_CACHE_DIR";
  } else if (in_build_tree) {
    p.cache_dir = (fs::path(s.source_dir) / ".cache").string();
    cache_origin = "source tree (this binary is in its build tree)";
  } else if (const std::string x = env_of(s, "XDG_CACHE_HOME"); !x.empty()) {
    p.cache_dir = (fs::path(x) / "xpubench").string();
    cache_origin = "XDG_CACHE_HOME";
  } else if (const std::string h = env_of(s, "HOME"); !h.empty()) {
    p.cache_dir = (fs::path(h) / ".cache" / "xpubench").string();
    cache_origin = "HOME";
  } else {
    std::error_code ec;
    p.cache_dir = (fs::temp_directory_path(ec) / "xpubench-cache").string();
    cache_origin = "temporary folder (no HOME)";
  }
  return cache_origin;
}

}  // namespace

Paths resolve_paths(const PathSources& s) {
  Paths p;
  auto add = [&p](const char* name, const std::string& path, const std::string& origin) {
    p.entries.push_back({name, path, origin});
  };
  // A binary inside the build tree it was compiled in may use that build's source tree.
  const bool in_build_tree = is_within(s.exe, s.build_dir) && is_dir(s.source_dir);

  const std::string share_origin = resolve_share(s, in_build_tree, p);
  add("share", p.share_dir.empty() ? "(none found)" : p.share_dir,
      p.share_dir.empty() ? "looked in " + join(p.share_searched, ", ") : share_origin);

  // --- platform descriptors: $XPB_PLATFORM_DIR (colon-separated), then <share>/platforms
  std::stringstream dirs(env_of(s, "XPB_PLATFORM_DIR"));
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty()) {
      p.platform_dirs.push_back(d);
      add("platforms", d, "XPB_PLATFORM_DIR");
    }
  if (!p.share_dir.empty()) {
    p.platform_dirs.push_back((fs::path(p.share_dir) / "platforms").string());
    add("platforms", p.platform_dirs.back(), "share");
  }

  const std::string cache_origin = resolve_cache(s, in_build_tree, p);
  add("cache", p.cache_dir, cache_origin);

  if (!s.data_dir_flag.empty()) {
    p.data_dir = s.data_dir_flag;
    add("data", p.data_dir, "--data-dir");
  } else if (const std::string e = env_of(s, "XPB_DATA_DIR"); !e.empty()) {
    p.data_dir = e;
    add("data", p.data_dir, "XPB_DATA_DIR");
  } else {
    p.data_dir = (fs::path(p.cache_dir) / "data").string();
    add("data", p.data_dir, "cache");
  }

  if (const std::string e = env_of(s, "XPB_HOST_DESCRIPTOR"); !e.empty()) {
    p.host_descriptor = e;
    add("host descriptor", e, "XPB_HOST_DESCRIPTOR");
  } else {
    p.host_descriptor = (fs::path(p.cache_dir) / "host.yaml").string();
    add("host descriptor", p.host_descriptor, "cache");
  }

  p.m_plot_script_env = env_of(s, "XPB_PLOT_SCRIPT");
  if (!p.m_plot_script_env.empty())
    add("plot script", p.m_plot_script_env, "XPB_PLOT_SCRIPT");
  else if (!p.share_dir.empty())
    add("plot script", p.plot_script(), "share");

  p.m_model_constants_env = env_of(s, "XPB_MODEL_CONSTANTS");
  if (!p.m_model_constants_env.empty())
    add("model constants", p.m_model_constants_env, "XPB_MODEL_CONSTANTS");
  else if (!p.share_dir.empty())
    add("model constants", p.model_constants(), "share");

  p.python = env_of(s, "XPB_PYTHON");
  add("python", p.python.empty() ? "/usr/bin/python3" : p.python,
      p.python.empty() ? "default" : "XPB_PYTHON");
  if (p.python.empty()) p.python = "/usr/bin/python3";

  p.mpirun = env_of(s, "XPB_MPIRUN");
  p.mpirun_from_env = !p.mpirun.empty();
  if (p.mpirun.empty()) p.mpirun = "mpirun";
  add("mpirun", p.mpirun, p.mpirun_from_env ? "XPB_MPIRUN" : "PATH");
  return p;
}

std::string Paths::share(const std::string& rel, const std::string& what) const {
  if (share_dir.empty())
    throw Error({},
                "cannot find " + what +
                    ": no xpubench share folder (platforms/, experiments/, "
                    "analysis/plots/); looked in " +
                    join(share_searched, ", "),
                "pass --share-dir DIR or set XPB_SHARE_DIR=DIR (an installed copy has it at "
                "<prefix>/" +
                    std::string(kInstallShareDir) + ")");
  return (fs::path(share_dir) / rel).string();
}

std::string Paths::plot_script() const {
  if (!m_plot_script_env.empty()) return m_plot_script_env;
  return share("analysis/plots/plot_results.py", "the plotting script (or set XPB_PLOT_SCRIPT)");
}

std::string Paths::model_constants() const {
  if (!m_model_constants_env.empty()) return m_model_constants_env;
  return share("data/model/constants.yaml", "the performance model's constants (or set XPB_MODEL_CONSTANTS)");
}

namespace {
std::mutex g_mutex;
std::optional<Paths>& current() {  // resolved once; replaced only by set_paths
  static std::optional<Paths> p;
  return p;
}
}  // namespace

const Paths& paths() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!current()) current() = resolve_paths(PathSources::from_process());
  return *current();
}

void set_paths(const Paths& p) {
  std::lock_guard<std::mutex> lock(g_mutex);
  current() = p;
}

}  // namespace xpb
