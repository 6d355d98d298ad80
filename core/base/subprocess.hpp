// core/base/subprocess.hpp — run another program and capture what it prints.
// Used by `xpubench calibrate` to start `mpirun … xpubench calibrate-link` as a child: argv is
// passed as is (no shell), stdin is /dev/null, stdout and stderr are captured separately, and a
// child that outlives its time limit is terminated. It does not interpret the output.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace xpb {

struct ProcessResult {
  bool started = false;    // false: could not start (see `error`)
  bool timed_out = false;  // killed after the time limit
  int exit_code = -1;      // exit status; 128 + signal when killed by a signal
  std::string out, err;    // captured stdout and stderr
  std::string error;       // why it could not start
};

// Runs argv[0] (a path, or a name searched in PATH) with `env` added to (or replacing entries
// of) this process's environment; gives up after `timeout_s` seconds.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env, double timeout_s);

// The full path of an executable found in PATH, or "" (a name with a '/' is checked as given).
std::string find_in_path(const std::string& name);

// The last `lines` lines of a text.
std::string tail_lines(const std::string& text, int lines);

}  // namespace xpb
