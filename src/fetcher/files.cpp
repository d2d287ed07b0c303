// File operations of the fetcher (see files.hpp).
#include "fetcher/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tepui::fetcher {

std::string errnoText(int error) { return std::strerror(error); }

Result<FileLock> FileLock::acquire(const std::string& path) {
  for (;;) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) return Error("cannot open lock file '" + path + "': " + errnoText(errno));
    int r;
    do {
      r = ::flock(fd.get(), LOCK_EX);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return Error("cannot lock '" + path + "': " + errnoText(errno));
    struct stat held {};
    struct stat current {};
    if (::fstat(fd.get(), &held) == 0 && ::stat(path.c_str(), &current) == 0 && held.st_ino == current.st_ino &&
        held.st_dev == current.st_dev) {
      return FileLock(std::move(fd));
    }
    // The file was deleted (or replaced) while we waited: lock the new one.
  }
}

Result<UniqueFd> createFile(const std::string& path) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
    return Error("cannot replace '" + path + "': " + errnoText(errno));
  }
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Error("cannot create '" + path + "': " + errnoText(errno));
  return fd;
}

Status copyFromFd(int from, const std::string& to) {
  auto out = createFile(to);
  if (!out) return out.error();
  for (;;) {
    ssize_t n = ::sendfile(out->get(), from, nullptr, 1 << 30);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error("cannot write '" + to + "': " + errnoText(errno));
  }
  return okStatus();
}

Status copyFile(const std::string& from, const std::string& to) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return Error("cannot open '" + from + "': " + errnoText(errno));
  struct stat st {};
  if (::fstat(in.get(), &st) < 0) return Error("cannot stat '" + from + "': " + errnoText(errno));
  if (!S_ISREG(st.st_mode)) return Error("'" + from + "' is not a regular file");
  return copyFromFd(in.get(), to);
}

Status moveFile(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) == 0) return okStatus();
  if (errno != EXDEV) return Error("cannot move '" + from + "' to '" + to + "': " + errnoText(errno));
  Status copied = copyFile(from, to);
  ::unlink(from.c_str());
  return copied;
}

}  // namespace tepui::fetcher
