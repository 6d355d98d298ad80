// core/base/output_path.cpp — refusing outputs that are special files, inputs or existing files,
// and the one-writer lock.
#include "core/base/output_path.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base/error.hpp"

namespace xpb {

namespace {

const char* file_kind(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISFIFO(m)) return "a named pipe";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

}  // namespace

void check_output(const std::string& path, const OutputRules& r) {
  struct stat out {};
  if (::stat(path.c_str(), &out) != 0) return;  // absent (or unreachable: the write will say why)
  const Where where{path, 0, {}};
  if (!S_ISREG(out.st_mode))
    throw Error(
        where,
        std::string("is ") + file_kind(out.st_mode) + ", not a file xpubench may write " + r.what + " to",
        "name a regular file (or a new path) with " + r.flag + "; --force does not replace special files");
  for (const auto& in : r.inputs) {
    struct stat st {};
    if (::stat(in.c_str(), &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino)
      throw Error(
          where,
          "is also an input of this command (" + in + "): writing " + r.what + " there would destroy it",
          "write " + r.what + " to another path with " + r.flag + " (--force does not allow this)");
  }
  if (!r.force)
    throw Error(where, "already exists", "use --force to overwrite it, or " + r.flag + " to write elsewhere");
}

std::string lock_path_for(const std::string& path) { return path + ".lock"; }

OutputLock::OutputLock(const std::string& path, const std::string& what) : m_lock_path(lock_path_for(path)) {
  // Lock, then check that the locked file is still the one at the path: a holder removes it on
  // release, and a lock on a removed file would exclude nobody.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(m_lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0)
      throw Error({m_lock_path, 0, {}}, std::string("cannot create the lock file: ") + std::strerror(errno),
                  "check that the output folder is writable");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {};
      const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      ::close(fd);
      const std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
      throw Error({path, 0, {}}, "another xpubench (pid " + pid + ") is writing " + what + " here",
                  "wait for it to finish, or write elsewhere with -o");
    }
    struct stat held {};
    struct stat now {};
    if (::fstat(fd, &held) == 0 && ::stat(m_lock_path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev) {
      const std::string pid = std::to_string(::getpid());
      if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The pid is only for the message of a refused second writer.
      }
      m_fd = fd;
      return;
    }
    ::close(fd);  // removed or replaced while we waited for it: take the new one
  }
  throw Error({m_lock_path, 0, {}}, "cannot take the lock file (it keeps being replaced)", "try again");
}

OutputLock::~OutputLock() {
  if (m_fd < 0) return;
  ::unlink(m_lock_path.c_str());  // while still held: the next writer creates a fresh one
  ::close(m_fd);
}

}  // namespace xpb
