// tests/core/base/test_crash_probe.cpp — a function run in a child: finished, crashed, timed out.
#include <catch2/catch_test_macros.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <stdexcept>
#include <string>
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

TEST_CASE("crash probe: the child dies with its parent", "[core][crash_probe]") {
  // A process P probes a function that never returns; P is killed while it waits (as libFuzzer's
  // own timeout once killed the fuzzer, leaving the probe child spinning in libhdf5 for 50 min).
  // The child must go too. Dead = no such process, or a zombie left for init to reap.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t p = ::fork();
  REQUIRE(p >= 0);
  if (p == 0) {
    ::close(fds[0]);
    probe_in_child(
        [&] {
          const pid_t me = ::getpid();
          if (::write(fds[1], &me, sizeof me) != static_cast<ssize_t>(sizeof me)) ::_exit(1);
          for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        },
        300);
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t child = 0;
  REQUIRE(::read(fds[0], &child, sizeof child) == static_cast<ssize_t>(sizeof child));
  ::close(fds[0]);
  ::kill(p, SIGKILL);
  int status = 0;
  ::waitpid(p, &status, 0);
  auto gone = [child] {
    if (::kill(child, 0) != 0) return true;  // ESRCH: reaped
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid, comm, state;
    stat >> pid >> comm >> state;
    return !stat || state == "Z";
  };
  bool dead = false;
  for (int i = 0; i < 300 && !(dead = gone()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!dead) ::kill(child, SIGKILL);  // do not leave it behind when the check fails
  CHECK(dead);
}
