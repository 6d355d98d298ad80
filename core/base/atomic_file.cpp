// core/base/atomic_file.cpp — checked write + fsync + rename; nothing half-written ever replaces a file.
#include "core/base/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/base/error.hpp"

namespace xpb {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, const std::string& step, int err,
                       const std::string& tmp) {
  if (!tmp.empty()) ::unlink(tmp.c_str());
  std::string hint = path + " is unchanged";
  if (err == ENOSPC || err == EDQUOT)
    hint = "free some space; " + hint;
  else if (err == EACCES || err == EPERM || err == EROFS)
    hint = "check that the folder is writable; " + hint;
  throw Error({path, 0, {}}, "cannot write " + what + " (" + step + "): " + std::strerror(err), hint);
}

}  // namespace

std::string temp_path_for(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

namespace {
// Removes the files in `dir` named `<prefix>...tmp.<pid>` (any name when `prefix` is empty) whose
// process is gone.
int remove_dead_temp_files(const std::filesystem::path& dir, const std::string& prefix) {
  namespace fs = std::filesystem;
  std::error_code ec;
  int removed = 0;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const auto mark = name.rfind(".tmp.");
    if (mark == std::string::npos || mark + 5 >= name.size() || mark + 5 < prefix.size()) continue;
    const std::string digits = name.substr(mark + 5);
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    std::error_code rm;
    if (e.is_regular_file(rm) && fs::remove(e.path(), rm)) ++removed;
  }
  return removed;
}
}  // namespace

int remove_stale_temp_files(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  return remove_dead_temp_files(dir, target.filename().string() + ".tmp.");
}

int remove_stale_temp_files_in(const std::string& dir) { return remove_dead_temp_files(dir, {}); }

void write_file_atomically(const std::string& path, std::string_view bytes, const std::string& what) {
  const std::string tmp = temp_path_for(path);
  ::unlink(tmp.c_str());  // a leftover of an earlier process that had our pid
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail(path, what, "create " + tmp, errno, {});
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      fail(path, what, "write", err, tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  // Delayed-allocation file systems report a full disk only here.
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail(path, what, "fsync", err, tmp);
  }
  if (::close(fd) != 0) fail(path, what, "close", errno, tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(path, what, "rename", errno, tmp);
  // Make the rename itself durable (best effort: not every file system lets a folder be synced).
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace xpb
