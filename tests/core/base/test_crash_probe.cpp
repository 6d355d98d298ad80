// tests/core/base/test_crash_probe.cpp — a function run in a child: finished, crashed, timed out.
#include <catch2/catch_test_macros.hpp>

#include <csignal>
#include <stdexcept>
#include <thread>

#include "core/base/crash_probe.hpp"

using namespace xpb;
using Kind = ProbeOutcome::Kind;

TEST_CASE("crash probe: a crash in the child is reported, the parent lives on", "[core][crash_probe]") {
  CHECK(probe_in_child([] {}, 10).kind == Kind::finished);
  // An exception is the caller's to see when it runs the function itself: not a crash.
  CHECK(probe_in_child([] { throw std::runtime_error("no"); }, 10).kind == Kind::finished);
  const ProbeOutcome seg = probe_in_child([] { std::raise(SIGSEGV); }, 10);
  CHECK(seg.kind == Kind::crashed);
  CHECK(seg.signal == SIGSEGV);
  CHECK(probe_in_child([] { std::abort(); }, 10).kind == Kind::crashed);
  const ProbeOutcome hang =
      probe_in_child([] { std::this_thread::sleep_for(std::chrono::seconds(30)); }, 0.2);
  CHECK(hang.kind == Kind::timed_out);
}
