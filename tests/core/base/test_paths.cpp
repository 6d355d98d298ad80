// tests/core/base/test_paths.cpp — where files are looked for: flags over environment over the
// install prefix over the source tree, the cache's own chain, and the error that names every place
// looked in. Real folders in a temporary tree stand for a prefix, a build tree and a checkout.
#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/base/error.hpp"
#include "core/base/paths.hpp"
#include "tests/test_support.hpp"

namespace fs = std::filesystem;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A temporary tree: prefix/bin/xpubench with prefix/share/xpubench/platforms, a checkout src/ with
// platforms/, its build tree build/ with build/cli/xpubench, and a bare copy elsewhere/bin/xpubench.
struct Tree {
  xpb::test::TempDir dir;
  fs::path root = dir.path();
  std::string prefix_exe = touch("prefix/bin/xpubench");
  std::string share = mkdir("prefix/share/xpubench/platforms").parent_path().string();
  std::string src = mkdir("src/platforms").parent_path().string();
  std::string build = mkdir("build").string();
  std::string build_exe = touch("build/cli/xpubench");
  std::string bare_exe = touch("elsewhere/bin/xpubench");

  fs::path mkdir(const std::string& rel) {
    fs::create_directories(root / rel);
    return root / rel;
  }
  std::string touch(const std::string& rel) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << "#!/bin/sh\n";
    return (root / rel).string();
  }
  xpb::PathSources sources(const std::string& exe) const {
    xpb::PathSources s;
    s.exe = exe;
    s.build_dir = build;
    s.source_dir = src;
    s.env["HOME"] = (root / "home").string();
    return s;
  }
};

}  // namespace

TEST_CASE("paths: an installed binary reads <prefix>/share/xpubench and caches under HOME", "[paths]") {
  const Tree t;
  const xpb::Paths p = xpb::resolve_paths(t.sources(t.prefix_exe));
  CHECK(p.share_dir == t.share);
  REQUIRE(p.platform_dirs.size() == 1);
  CHECK(p.platform_dirs[0] == t.share + "/platforms");
  CHECK(p.experiments_dir() == t.share + "/experiments");
  CHECK(p.models_dir() == t.share + "/experiments/models");
  CHECK(p.plot_script() == t.share + "/analysis/plots/plot_results.py");
  CHECK(p.cache_dir == (t.root / "home/.cache/xpubench").string());
  CHECK(p.data_dir == p.cache_dir + "/data");
  CHECK(p.host_descriptor == p.cache_dir + "/host.yaml");
  CHECK(p.python == "/usr/bin/python3");
  CHECK(p.mpirun == "mpirun");
  CHECK(!p.mpirun_from_env);
  // Nothing points into the checkout.
  for (const auto& e : p.entries) CHECK(!contains(e.path, t.src));
}

TEST_CASE("paths: a binary in its build tree falls back to the source tree and its .cache", "[paths]") {
  const Tree t;
  const xpb::Paths p = xpb::resolve_paths(t.sources(t.build_exe));
  CHECK(p.share_dir == t.src);
  CHECK(p.platform_dirs.back() == t.src + "/platforms");
  CHECK(p.cache_dir == t.src + "/.cache");
  CHECK(p.host_descriptor == t.src + "/.cache/host.yaml");
  CHECK(p.data_dir == t.src + "/.cache/data");
}

TEST_CASE("paths: flags win over the environment, the environment over the prefix", "[paths]") {
  const Tree t;
  xpb::PathSources s = t.sources(t.prefix_exe);
  const std::string other = (t.root / "src").string();  // any existing folder
  s.env["XPB_SHARE_DIR"] = other;
  s.env["XPB_CACHE_DIR"] = "/env/cache";
  s.env["XPB_DATA_DIR"] = "/env/data";
  s.env["XPB_PLATFORM_DIR"] = "/a:/b";
  s.env["XPB_HOST_DESCRIPTOR"] = "/env/myhost.yaml";
  s.env["XPB_PLOT_SCRIPT"] = "/env/plot.py";
  s.env["XPB_PYTHON"] = "/env/python";
  s.env["XPB_MPIRUN"] = "srun";
  s.env["XDG_CACHE_HOME"] = "/xdg";
  xpb::Paths p = xpb::resolve_paths(s);
  CHECK(p.share_dir == other);
  CHECK(p.platform_dirs == std::vector<std::string>{"/a", "/b", other + "/platforms"});
  CHECK(p.cache_dir == "/env/cache");
  CHECK(p.data_dir == "/env/data");
  CHECK(p.host_descriptor == "/env/myhost.yaml");
  CHECK(p.plot_script() == "/env/plot.py");
  CHECK(p.python == "/env/python");
  CHECK(p.mpirun == "srun");
  CHECK(p.mpirun_from_env);

  s.share_dir_flag = t.share;
  s.cache_dir_flag = "/flag/cache";
  s.data_dir_flag = "/flag/data";
  p = xpb::resolve_paths(s);
  CHECK(p.share_dir == t.share);
  CHECK(p.cache_dir == "/flag/cache");
  CHECK(p.data_dir == "/flag/data");

  // Without XPB_CACHE_DIR the cache follows XDG_CACHE_HOME before HOME; data and host follow it.
  xpb::PathSources x = t.sources(t.prefix_exe);
  x.env["XDG_CACHE_HOME"] = "/xdg";
  p = xpb::resolve_paths(x);
  CHECK(p.cache_dir == "/xdg/xpubench");
  CHECK(p.data_dir == "/xdg/xpubench/data");
  CHECK(p.host_descriptor == "/xdg/xpubench/host.yaml");
}

TEST_CASE("paths: a bare binary away from any tree says where it looked and what to set", "[paths]") {
  const Tree t;
  const xpb::Paths p = xpb::resolve_paths(t.sources(t.bare_exe));
  CHECK(p.share_dir.empty());
  CHECK(p.platform_dirs.empty());
  try {
    (void)p.experiments_dir();
    FAIL("no share folder must throw");
  } catch (const xpb::Error& e) {
    const std::string what = e.what();
    CHECK(contains(what, "cannot find the experiment files"));
    CHECK(contains(what, (t.root / "elsewhere/share/xpubench").string()));  // the prefix candidate
    CHECK(contains(what, t.src));  // the checkout, and why it was not used
    CHECK(contains(e.hint(), "--share-dir"));
    CHECK(contains(e.hint(), "XPB_SHARE_DIR"));
  }
  CHECK_THROWS_AS(p.plot_script(), xpb::Error);
  CHECK(p.cache_dir == (t.root / "home/.cache/xpubench").string());  // the cache needs no share
}

TEST_CASE("paths: a share folder named by flag or variable must exist", "[paths]") {
  const Tree t;
  xpb::PathSources s = t.sources(t.prefix_exe);
  s.share_dir_flag = (t.root / "no-such-folder").string();
  try {
    (void)xpb::resolve_paths(s);
    FAIL("a missing --share-dir must throw");
  } catch (const xpb::Error& e) {
    CHECK(e.where().key == "--share-dir");
    CHECK(contains(e.what(), "no-such-folder is not a folder"));
  }
  s.share_dir_flag.clear();
  s.env["XPB_SHARE_DIR"] = (t.root / "no-such-folder").string();
  CHECK_THROWS_AS(xpb::resolve_paths(s), xpb::Error);
}

TEST_CASE("paths: a build tree is recognised by path components, not by string prefix", "[paths]") {
  Tree t;
  // <root>/build2/xpubench is not inside <root>/build.
  const std::string exe = t.touch("build2/xpubench");
  const xpb::Paths p = xpb::resolve_paths(t.sources(exe));
  CHECK(p.share_dir.empty());
}
