// Listing a sandbox directory and reading a sandbox file once
// files::resolve (files_paths.hpp) has allowed the path: what /files/browse
// and /files/read (files.cpp) and the operator API's LIST_FILES and
// READ_FILE (operator_files.cpp) serve, each in its own shape. Every file
// is opened through openWithin(), which checks the opened descriptor again.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agent/files_paths.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace tepui::agent::files {

// Mesos serves at most 16 pages per read.
inline constexpr int64_t kMaxRead = 16 * 4096;

struct Entry {
  std::string path;  // the directory as asked for, then "/" and the name
  struct stat st;    // of the entry itself: a symlink shows as one
};

// The directory's entries sorted by name (as Mesos sorts them); `shownDir`
// is how the client named it. 404 when missing, 400 when not a directory.
Checked<std::vector<Entry>> listDirectory(const Resolved& resolved, std::string shownDir);

struct Chunk {
  int64_t size = 0;  // the whole file's
  std::string data;
};

// Up to `length` bytes (-1, or more than kMaxRead, reads kMaxRead) at
// `offset`: fewer at the end of the file, none past it. 400 for a
// directory or anything but a regular file.
Checked<Chunk> readFile(const Resolved& resolved, int64_t offset, int64_t length);

// Opens a regular file for reading (400 for a directory or anything that is
// not a regular file; `what` names the action in the reason).
Checked<std::pair<UniqueFd, struct stat>> openRegular(const Resolved& resolved, const char* what);

// Reads up to `length` bytes at `offset`; fewer at the end of the file.
Result<std::string> readAt(int fd, int64_t offset, size_t length);

// "drwxr-xr-x", as ls(1) and Mesos print it.
std::string modeString(mode_t m);
// The owner's and group's names (their numbers when unknown).
std::string userName(uid_t uid);
std::string groupName(gid_t gid);

}  // namespace tepui::agent::files
