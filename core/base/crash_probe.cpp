// core/base/crash_probe.cpp — fork, run, wait with a deadline (see crash_probe.hpp).
#include "core/base/crash_probe.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <chrono>
#include <thread>

namespace xpb {

ProbeOutcome probe_in_child(const std::function<void()>& fn, double timeout_s) {
  ProbeOutcome out;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return out;
  if (pid == 0) {
#if defined(__linux__)
    // Dies with the parent: a parent killed while it waits (a fuzzer's own timeout, SIGKILL)
    // must not leave a child spinning in a damaged file for ever (one did, for 50 minutes).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(0);  // the parent was gone before the request
#endif
    // The child: quiet (a sanitizer's or the library's report is the parent's to phrase), no core
    // file, and _exit so that no atexit handler or buffered output of the parent runs twice.
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 1), ::dup2(devnull, 2);
    try {
      fn();
    } catch (...) {
    }
    ::_exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) return out;  // lost the child (someone else reaped it): unprobed
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      out.kind = ProbeOutcome::Kind::timed_out;
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    out.kind = ProbeOutcome::Kind::finished;
  } else {
    out.kind = ProbeOutcome::Kind::crashed;
    out.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return out;
}

}  // namespace xpb
