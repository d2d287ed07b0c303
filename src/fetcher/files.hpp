// Private to src/fetcher: the file operations the fetcher and its cache
// share. The fetcher runs as root and writes into sandboxes that a task's
// user owns, so nothing here follows a symbolic link at the path it writes.
#pragma once

#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace tepui::fetcher {

using tepui::UniqueFd;

// An exclusive flock() on a lock file, held until dropped. acquire() blocks
// until the lock is free. A lock file may be deleted by whoever holds it
// (the cache removes those of evicted entries), so acquire() checks that
// the file it locked is still the one at `path`, and tries again if not.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path);

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// Creates `path` for writing (mode 0644), replacing whatever was there,
// including a symbolic link, without writing through it.
Result<UniqueFd> createFile(const std::string& path);

// Copies everything readable from `from` into a new file at `to`.
Status copyFromFd(int from, const std::string& to);

// Copies the regular file `from` to `to` (see createFile).
Status copyFile(const std::string& from, const std::string& to);

// Renames `from` to `to`, copying when they are on different file systems.
Status moveFile(const std::string& from, const std::string& to);

// "No such file or directory" for errno.
std::string errnoText(int error);

}  // namespace tepui::fetcher
