// core/base/output_path.hpp — what every file a subcommand writes goes through first.
// check_output() refuses, before anything is opened or written: a path that exists and is not a
// regular file (looked at with stat only, so a named pipe is never opened and a device node never
// replaced), an existing file without --force, and a file that is also an input of the same
// command (even with --force). OutputLock keeps two processes from writing one file at once. It
// does not write: core/base/atomic_file.hpp does.
#pragma once

#include <string>
#include <vector>

namespace xpb {

struct OutputRules {
  bool force = false;               // an existing regular file may be replaced
  std::vector<std::string> inputs;  // files the command reads: never its output
  std::string what = "the output";  // names the file in messages ("the report")
  std::string flag = "-o";          // the option that named it, for the message's key path
};

// Throws xpb::Error (exit 2 in the CLI) when `path` may not be written under `rules`.
void check_output(const std::string& path, const OutputRules& rules);

// An exclusive lock on `path` for this process's lifetime (flock on "<path>.lock", created when
// absent and removed on release). A second process is refused at once with xpb::Error naming the
// holder's pid; the kernel drops the lock of a process that dies, so a stale lock file never blocks.
class OutputLock {
 public:
  OutputLock(const std::string& path, const std::string& what);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string m_lock_path;
  int m_fd = -1;
};

// The lock file OutputLock uses for `path`.
std::string lock_path_for(const std::string& path);

}  // namespace xpb
