// core/base/crash_probe.hpp — run a function in a forked child to learn whether it crashes or hangs.
// For readers of files that a third-party library may crash on (libhdf5 1.10 copies out of bounds
// when a damaged file's global heap lies about its sizes): the parent learns "it crashed" or "it
// did not finish" and reports an error naming the file instead of dying with the child. It does
// not return what the child computed; the caller then runs the function itself.
#pragma once

#include <functional>

namespace xpb {

struct ProbeOutcome {
  enum class Kind { finished, crashed, timed_out, unavailable };
  Kind kind = Kind::unavailable;
  int signal = 0;  // crashed: the signal that ended the child (0: it exited non-zero)
};

// Runs `fn` in a child process (stdout and stderr silenced, no core dump); an exception it throws
// counts as finished. `unavailable` when no child could be started (the caller goes on unprobed).
ProbeOutcome probe_in_child(const std::function<void()>& fn, double timeout_s);

}  // namespace xpb
