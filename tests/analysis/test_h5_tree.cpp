// tests/analysis/test_h5_tree.cpp — reading result files someone hands us: loops, damage, not files.
#include <catch2/catch_test_macros.hpp>

#include <hdf5.h>

#include <filesystem>
#include <fstream>

#include "analysis/h5_tree.hpp"
#include "analysis/result_set.hpp"
#include "core/base/error.hpp"
#include "tests/test_support.hpp"

using namespace xpb;

namespace {

// A file whose /cells/a/loop is a hard link back to /cells.
void write_loop_file(const std::string& path) {
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t g = H5Gcreate2(f, "cells", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t c = H5Gcreate2(g, "a", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Lcreate_hard(f, "/cells", c, "loop", H5P_DEFAULT, H5P_DEFAULT);
  H5Gclose(c);
  H5Gclose(g);
  H5Fclose(f);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.located();
  }
  return "no error";
}

}  // namespace

TEST_CASE("h5 tree: a loop of links is an error, not an endless walk", "[analysis][h5]") {
  test::TempDir dir;
  const std::string path = dir.file("loop.h5");
  write_loop_file(path);
  CHECK(error_of([&] { (void)analysis::read_tree(path); }) ==
        path + ": /cells/a/loop: the group is reached twice (a loop of links, or a second link to it)");
}

TEST_CASE("h5 tree and result sets: every unusable file is an error naming it", "[analysis][h5]") {
  test::TempDir dir;
  const std::string golden = test::source_path("data/golden/golden.h5");
  const std::string empty = dir.file("empty.h5"), truncated = dir.file("truncated.h5");
  std::ofstream(empty).close();
  {
    std::ifstream in(golden, std::ios::binary);
    std::string bytes(2048, '\0');
    in.read(bytes.data(), 2048);
    std::ofstream(truncated, std::ios::binary) << bytes;
  }
  for (const auto& read : std::vector<std::function<void(const std::string&)>>{
           [](const std::string& p) { (void)analysis::read_tree(p); },
           [](const std::string& p) { (void)analysis::load_result_set(p); }}) {
    CHECK(error_of([&] { read(empty); }) == empty + ": the file is empty (0 bytes), not a result set");
    CHECK(error_of([&] { read(truncated); }) ==
          truncated + ": a damaged or truncated HDF5 file: it does not open");
    CHECK(error_of([&] { read(dir.path().string()); }) ==
          dir.path().string() + ": is a directory, not a result set");
    CHECK(error_of([&] { read(dir.file("none.h5")); }) == dir.file("none.h5") + ": no such file");
  }
  CHECK_NOTHROW(analysis::load_result_set(golden));
}
