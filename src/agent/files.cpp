// The agent's sandbox file endpoints in Mesos's shapes: /files/browse,
// /files/read (JSON {data, offset}; offset -1 or none gives the size),
// /files/download and /files/debug. Which paths are served, and the
// refusals, are in files_paths.hpp; every file is opened through
// openWithin(), which checks the opened descriptor again.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <vector>

#include "agent/agent_impl.hpp"
#include "agent/files_paths.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"

namespace tepui::agent {

namespace fs = std::filesystem;
namespace bj = boost::json;

namespace {

constexpr int64_t kMaxRead = 16 * 4096;     // Mesos serves at most 16 pages per read
constexpr size_t kWholeDownload = 1 << 20;  // larger files are streamed
constexpr size_t kDownloadPiece = 256 * 1024;
constexpr size_t kMaxQueuedDownload = 4 << 20;  // pause reading while the peer lags

http::Response refusal(int status, const std::string& reason) { return http::Response::text(status, reason + "\n"); }

// "drwxr-xr-x", as ls(1) and Mesos print it.
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

bj::object fileInfo(const struct stat& st, std::string shown) {
  return bj::object{{"path", std::move(shown)},
                    {"nlink", static_cast<int64_t>(st.st_nlink)},
                    {"size", static_cast<int64_t>(st.st_size)},
                    {"mtime", static_cast<int64_t>(st.st_mtime)},
                    {"mode", modeString(st.st_mode)},
                    {"uid", userName(st.st_uid)},
                    {"gid", groupName(st.st_gid)}};
}

// A query parameter as an integer: absent gives `absent`, anything but a
// whole decimal integer gives nullopt.
std::optional<int64_t> integerParam(const http::Request& request, const std::string& name, int64_t absent) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return absent;
  const std::string& text = it->second;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Reads up to `length` bytes at `offset`; fewer at the end of the file.
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

// Opens a regular file for reading or says why not (400 for a directory or
// anything that is not a regular file).
files::Checked<std::pair<UniqueFd, struct stat>> openRegular(const files::Resolved& resolved, const char* what) {
  using Result = files::Checked<std::pair<UniqueFd, struct stat>>;
  auto opened = files::openWithin(resolved, O_RDONLY);
  if (!opened.ok()) return Result::refuse(opened.status, opened.reason);
  struct stat st {};
  if (::fstat(opened.value.get(), &st) != 0) return Result::refuse(404, "Cannot stat the file");
  if (S_ISDIR(st.st_mode)) return Result::refuse(400, std::string("Cannot ") + what + " a directory");
  if (!S_ISREG(st.st_mode)) return Result::refuse(400, std::string("Cannot ") + what + " something that is not a file");
  return {{std::move(opened.value), st}};
}

std::string attachmentName(const fs::path& real) {
  std::string name;
  for (char c : real.filename().string()) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
    name += c;
  }
  return "attachment; filename=\"" + name + "\"";
}

// A large download written as a chunked stream, a few pieces per turn of
// the loop, pausing while the peer has not taken what is queued.
struct Download : std::enable_shared_from_this<Download> {
  Download(boost::asio::io_context& io, UniqueFd fd, std::shared_ptr<http::Stream> stream)
      : fd(std::move(fd)), stream(std::move(stream)), timer(io) {}

  void pump() {
    for (int i = 0; i < 4; ++i) {
      if (stream->closed()) return;
      if (stream->queuedBytes() > kMaxQueuedDownload) return later(std::chrono::milliseconds(5));
      auto piece = readAt(fd.get(), offset, kDownloadPiece);
      if (!piece) {
        TLOG(WARNING) << "Download to " << stream->remote() << " cut short: " << piece.error().message;
        return stream->close();
      }
      if (piece->empty()) return stream->close();
      offset += static_cast<int64_t>(piece->size());
      stream->write(std::move(*piece));
    }
    later(std::chrono::milliseconds(0));
  }

  void later(std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->pump();
    });
  }

  UniqueFd fd;
  std::shared_ptr<http::Stream> stream;
  boost::asio::steady_timer timer;
  int64_t offset = 0;
};

// The entries of a directory; none if it cannot be listed.
std::vector<fs::path> entriesOf(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
  return out;
}

// A requested path made safe for a log line.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, 300));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return out;
}

class FileRoutes {
 public:
  FileRoutes(boost::asio::io_context& io, std::function<std::string()> workDir, std::function<std::string()> agentId)
      : io_(io), workDir_(std::move(workDir)), agentId_(std::move(agentId)) {}

  void browse(http::Request& request, http::Responder responder, const files::Resolved& resolved) {
    auto opened = files::openWithin(resolved, O_RDONLY | O_DIRECTORY);
    if (!opened.ok()) return responder.respond(refusal(opened.status, opened.reason));
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(opened.value.get()), ::closedir);
    if (!dir) return responder.respond(refusal(403, "Cannot list the directory"));
    opened.value.release();  // closedir closes it
    std::string shown = request.query.at("path");
    while (shown.size() > 1 && shown.back() == '/') shown.pop_back();
    std::map<std::string, bj::object> entries;  // sorted by name, as Mesos sorts
    while (dirent* entry = ::readdir(dir.get())) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      // Entries are described, never followed: a symlink shows as one.
      if (::fstatat(::dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      entries.emplace(name, fileInfo(st, shown + "/" + name));
    }
    bj::array out;
    for (auto& [name, info] : entries) out.push_back(std::move(info));
    responder.respond(http::Response::json(200, json::serialize(out)));
  }

  void read(http::Request& request, http::Responder responder, const files::Resolved& resolved) {
    auto offset = integerParam(request, "offset", -1);
    auto length = integerParam(request, "length", -1);
    if (!offset || !length) return responder.respond(refusal(400, "'offset' and 'length' must be integers"));
    if (*offset < -1 || *length < -1) {
      return responder.respond(refusal(400, "'offset' and 'length' must not be below -1"));
    }
    auto file = openRegular(resolved, "read");
    if (!file.ok()) return responder.respond(refusal(file.status, file.reason));
    auto size = static_cast<int64_t>(file.value.second.st_size);
    if (*offset == -1) {
      return responder.respond(http::Response::json(200, json::serialize(bj::object{{"data", ""}, {"offset", size}})));
    }
    int64_t want = (*length == -1 || *length > kMaxRead) ? kMaxRead : *length;
    want = std::max<int64_t>(0, std::min(want, size - *offset));
    auto data = readAt(file.value.first.get(), *offset, static_cast<size_t>(want));
    if (!data) return responder.respond(refusal(500, data.error().message));
    responder.respond(
        http::Response::json(200, json::serialize(bj::object{{"data", std::move(*data)}, {"offset", *offset}})));
  }

  void download(http::Request&, http::Responder responder, const files::Resolved& resolved) {
    auto file = openRegular(resolved, "download");
    if (!file.ok()) return responder.respond(refusal(file.status, file.reason));
    http::Response head;
    head.status = 200;
    head.headers["Content-Type"] = "application/octet-stream";
    head.headers["Content-Disposition"] = attachmentName(resolved.real);
    auto size = static_cast<size_t>(file.value.second.st_size);
    if (size <= kWholeDownload) {
      auto data = readAt(file.value.first.get(), 0, size);
      if (!data) return responder.respond(refusal(500, data.error().message));
      head.body = std::move(*data);
      return responder.respond(std::move(head));
    }
    auto stream = responder.stream(std::move(head));
    std::make_shared<Download>(io_, std::move(file.value.first), std::move(stream))->pump();
  }

  // Every run directory by its virtual path, with the real path it names.
  void debug(http::Request&, http::Responder responder) {
    fs::path frameworks = sandboxRoot().frameworks();
    bj::object out;
    for (auto& fw : entriesOf(frameworks)) {
      for (auto& ex : entriesOf(fw / "executors")) {
        for (auto& run : entriesOf(ex / "runs")) {
          std::error_code ec;
          fs::path real = fs::canonical(run, ec);
          if (ec || !files::isWithin(real, frameworks)) continue;
          out["/frameworks/" + fw.filename().string() + "/executors/" + ex.filename().string() + "/runs/" +
              run.filename().string()] = real.string();
        }
      }
    }
    responder.respond(http::Response::json(200, json::serialize(out)));
  }

  files::SandboxRoot sandboxRoot() const { return {workDir_(), agentId_()}; }

 private:
  boost::asio::io_context& io_;
  std::function<std::string()> workDir_;
  std::function<std::string()> agentId_;
};

}  // namespace

void registerFileRoutes(http::Server& server, boost::asio::io_context& io, std::function<std::string()> workDir,
                        std::function<std::string()> agentId) {
  auto routes = std::make_shared<FileRoutes>(io, std::move(workDir), std::move(agentId));
  using Method = void (FileRoutes::*)(http::Request&, http::Responder, const files::Resolved&);
  auto withPath = [routes](Method method) {
    return [routes, method](http::Request& request, http::Responder responder) {
      auto it = request.query.find("path");
      auto resolved = files::resolve(routes->sandboxRoot(), it == request.query.end() ? "" : it->second);
      if (!resolved.ok()) {
        TLOG(INFO) << "Refused " << request.path << " of '" << printable(it == request.query.end() ? "" : it->second)
                   << "' from " << request.remote << " with " << resolved.status << ": " << resolved.reason;
        return responder.respond(refusal(resolved.status, resolved.reason));
      }
      ((*routes).*method)(request, std::move(responder), resolved.value);
    };
  };
  server.route("/files/browse", withPath(&FileRoutes::browse));
  server.route("/files/read", withPath(&FileRoutes::read));
  server.route("/files/download", withPath(&FileRoutes::download));
  server.route("/files/debug", [routes](http::Request& r, http::Responder p) { routes->debug(r, std::move(p)); });
}

}  // namespace tepui::agent
