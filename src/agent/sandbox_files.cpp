// Sandbox directory listings and file reads (see sandbox_files.hpp).
#include "agent/sandbox_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

namespace tepui::agent::files {

std::string modeString(mode_t m) {
  char type = S_ISDIR(m)    ? 'd'
              : S_ISLNK(m)  ? 'l'
              : S_ISFIFO(m) ? 'p'
              : S_ISSOCK(m) ? 's'
              : S_ISCHR(m)  ? 'c'
              : S_ISBLK(m)  ? 'b'
                            : '-';
  std::string s(1, type);
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) s += (m & (0400 >> i)) ? rwx[i] : '-';
  auto special = [&](mode_t bit, size_t at, char set) {
    if (m & bit) s[at] = s[at] == 'x' ? set : static_cast<char>(set - 'a' + 'A');
  };
  special(S_ISUID, 3, 's');
  special(S_ISGID, 6, 's');
  special(S_ISVTX, 9, 't');
  return s;
}

std::string userName(uid_t uid) {
  passwd* p = getpwuid(uid);
  return p ? p->pw_name : std::to_string(uid);
}

std::string groupName(gid_t gid) {
  group* g = getgrgid(gid);
  return g ? g->gr_name : std::to_string(gid);
}

Result<std::string> readAt(int fd, int64_t offset, size_t length) {
  std::string data(length, '\0');
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, data.data() + got, length - got, static_cast<off_t>(offset) + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(std::string("read failed: ") + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

Checked<std::pair<UniqueFd, struct stat>> openRegular(const Resolved& resolved, const char* what) {
  using Opened = Checked<std::pair<UniqueFd, struct stat>>;
  auto opened = openWithin(resolved, O_RDONLY);
  if (!opened.ok()) return Opened::refuse(opened.status, opened.reason);
  struct stat st {};
  if (::fstat(opened.value.get(), &st) != 0) return Opened::refuse(404, "Cannot stat the file");
  if (S_ISDIR(st.st_mode)) return Opened::refuse(400, std::string("Cannot ") + what + " a directory");
  if (!S_ISREG(st.st_mode)) return Opened::refuse(400, std::string("Cannot ") + what + " something that is not a file");
  return {{std::move(opened.value), st}};
}

Checked<std::vector<Entry>> listDirectory(const Resolved& resolved, std::string shownDir) {
  using Listed = Checked<std::vector<Entry>>;
  auto opened = openWithin(resolved, O_RDONLY | O_DIRECTORY);
  if (!opened.ok()) return Listed::refuse(opened.status, opened.reason);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(opened.value.get()), ::closedir);
  if (!dir) return Listed::refuse(403, "Cannot list the directory");
  opened.value.release();  // closedir closes it
  while (shownDir.size() > 1 && shownDir.back() == '/') shownDir.pop_back();
  std::map<std::string, struct stat> sorted;
  while (dirent* entry = ::readdir(dir.get())) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    // Entries are described, never followed.
    if (::fstatat(::dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    sorted.emplace(std::move(name), st);
  }
  std::vector<Entry> out;
  for (auto& [name, st] : sorted) out.push_back({shownDir + "/" + name, st});
  return {std::move(out)};
}

Checked<Chunk> readFile(const Resolved& resolved, int64_t offset, int64_t length) {
  auto file = openRegular(resolved, "read");
  if (!file.ok()) return Checked<Chunk>::refuse(file.status, file.reason);
  Chunk chunk;
  chunk.size = static_cast<int64_t>(file.value.second.st_size);
  int64_t want = (length < 0 || length > kMaxRead) ? kMaxRead : length;
  want = std::max<int64_t>(0, std::min(want, chunk.size - offset));
  auto data = readAt(file.value.first.get(), offset, static_cast<size_t>(want));
  if (!data) return Checked<Chunk>::refuse(500, data.error().message);
  chunk.data = std::move(*data);
  return {std::move(chunk)};
}

}  // namespace tepui::agent::files
