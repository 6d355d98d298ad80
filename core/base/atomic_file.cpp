// core/base/atomic_file.cpp — checked write + fsync + rename; nothing half-written ever replaces a file.
#include "core/base/atomic_file.hpp"

#include <fcntl.h>
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
  if (err == ENOSPC || err == EDQUOT) hint = "free some space; " + hint;
  else if (err == EACCES || err == EPERM || err == EROFS) hint = "check that the folder is writable; " + hint;
  throw Error({path, 0, {}}, "cannot write " + what + " (" + step + "): " + std::strerror(err), hint);
}

}  // namespace

std::string temp_path_for(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

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
