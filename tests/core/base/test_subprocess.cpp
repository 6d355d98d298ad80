// tests/core/test_subprocess.cpp — run_process captures stdout and stderr apart, reports the exit
// status, adds environment entries, stops a child past its time limit, and says when a program
// cannot be found. Uses /bin/sh only.
#include <catch2/catch_test_macros.hpp>
#include <chrono>

#include "core/base/subprocess.hpp"

TEST_CASE("subprocess: run_process captures stdout, stderr and the exit status", "[subprocess]") {
  const xpb::ProcessResult r =
      xpb::run_process({"sh", "-c", "echo out-$XPB_T; echo err >&2; exit 3"}, {{"XPB_T", "7"}}, 20);
  REQUIRE(r.started);
  CHECK(!r.timed_out);
  CHECK(r.exit_code == 3);
  CHECK(r.out == "out-7\n");
  CHECK(r.err == "err\n");
}

TEST_CASE("subprocess: run_process stops a child that runs past its limit", "[subprocess]") {
  const auto t0 = std::chrono::steady_clock::now();
  const xpb::ProcessResult r = xpb::run_process({"sh", "-c", "echo started; exec sleep 30"}, {}, 0.5);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(r.started);
  CHECK(r.timed_out);
  CHECK(r.out == "started\n");
  CHECK(took < 10);
}

TEST_CASE("subprocess: run_process and find_in_path report a missing program", "[subprocess]") {
  CHECK(xpb::find_in_path("sh").find("/sh") != std::string::npos);
  CHECK(xpb::find_in_path("xpb-no-such-program").empty());
  const xpb::ProcessResult r = xpb::run_process({"xpb-no-such-program"}, {}, 5);
  CHECK(!r.started);
  CHECK(r.error.find("not found") != std::string::npos);
}

TEST_CASE("subprocess: tail_lines keeps the last lines", "[subprocess]") {
  CHECK(xpb::tail_lines("a\nb\nc\n", 2) == "b\nc");
  CHECK(xpb::tail_lines("a\nb\nc", 5) == "a\nb\nc");
  CHECK(xpb::tail_lines("", 3).empty());
}
