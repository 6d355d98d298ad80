// tests/core/base/test_output_path.cpp — check_output refuses special files (without opening
// them), inputs of the same command even with force, and existing files without force; OutputLock
// admits one writer and removes its lock file on release; remove_stale_temp_files keeps the
// temporary files of live processes.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "core/base/atomic_file.hpp"
#include "core/base/error.hpp"
#include "core/base/output_path.hpp"

namespace fs = std::filesystem;

namespace {
// A test's own folder, removed with everything in it when the test ends (pass or fail).
class ScratchDir {
 public:
  ScratchDir() : dir_(fs::temp_directory_path() / ("xpb-output-path-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  fs::path operator()(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_;
};
}  // namespace

TEST_CASE("output_path: special files, inputs and existing files are refused", "[output_path]") {
  const ScratchDir scratch;
  const fs::path fifo = scratch("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_AS(xpb::check_output(fifo.string(), {true, {}, "x"}), xpb::Error);  // returns, never blocks
  CHECK_THROWS_AS(xpb::check_output(fifo.parent_path().string(), {true, {}, "x"}), xpb::Error);

  const fs::path file = scratch("r.h5");
  std::ofstream(file) << "data";
  CHECK_THROWS_AS(xpb::check_output(file.string(), {false, {}, "x"}), xpb::Error);
  CHECK_NOTHROW(xpb::check_output(file.string(), {true, {}, "x"}));
  CHECK_THROWS_AS(xpb::check_output(file.string(), {true, {file.string()}, "x"}), xpb::Error);
  const fs::path link = scratch("link.h5");
  fs::create_symlink(file, link);
  CHECK_THROWS_AS(xpb::check_output(link.string(), {true, {file.string()}, "x"}), xpb::Error);
  CHECK_NOTHROW(xpb::check_output(scratch("new.h5").string(), {false, {file.string()}, "x"}));
}

TEST_CASE("output_path: one writer at a time, no lock file left", "[output_path]") {
  const ScratchDir scratch;
  const fs::path out = scratch("locked.h5");
  {
    xpb::OutputLock first(out.string(), "x");
    CHECK(fs::exists(xpb::lock_path_for(out.string())));
    CHECK_THROWS_AS(xpb::OutputLock(out.string(), "x"), xpb::Error);
  }
  CHECK(!fs::exists(xpb::lock_path_for(out.string())));
  std::ofstream(xpb::lock_path_for(out.string())) << "12345";  // a stale lock file: nobody holds it
  CHECK_NOTHROW(xpb::OutputLock(out.string(), "x"));
}

TEST_CASE("output_path: temporary files of dead writers are removed, live ones kept", "[output_path]") {
  const ScratchDir scratch;
  const fs::path out = scratch("t.h5");
  const std::string live = out.string() + ".tmp." + std::to_string(::getppid());
  const std::string dead = out.string() + ".tmp.999999999";  // above any pid_max
  const std::string other = out.string() + ".tmp.notapid";
  for (const auto& p : {live, dead, other}) std::ofstream(p) << "x";
  CHECK(xpb::remove_stale_temp_files(out.string()) == 1);
  CHECK(fs::exists(live));
  CHECK(!fs::exists(dead));
  CHECK(fs::exists(other));
}
