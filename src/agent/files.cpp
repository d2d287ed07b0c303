// The agent's sandbox file endpoints in Mesos's shapes: /files/browse,
// /files/read (JSON {data, offset}; offset -1 or none gives the size),
// /files/download and /files/debug. Which paths are served, and the
// refusals, are in files_paths.hpp; listing and reading are
// sandbox_files.hpp's, shared with the operator API.
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <vector>

#include "agent/agent_impl.hpp"
#include "agent/files_paths.hpp"
#include "agent/sandbox_files.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"

namespace tepui::agent {

namespace fs = std::filesystem;
namespace bj = boost::json;

namespace {

constexpr size_t kWholeDownload = 1 << 20;  // larger files are streamed
constexpr size_t kDownloadPiece = 256 * 1024;
constexpr size_t kMaxQueuedDownload = 4 << 20;  // pause reading while the peer lags

http::Response refusal(int status, const std::string& reason) { return http::Response::text(status, reason + "\n"); }

bj::object fileInfo(const files::Entry& entry) {
  const struct stat& st = entry.st;
  return bj::object{{"path", entry.path},
                    {"nlink", static_cast<int64_t>(st.st_nlink)},
                    {"size", static_cast<int64_t>(st.st_size)},
                    {"mtime", static_cast<int64_t>(st.st_mtime)},
                    {"mode", files::modeString(st.st_mode)},
                    {"uid", files::userName(st.st_uid)},
                    {"gid", files::groupName(st.st_gid)}};
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
      auto piece = files::readAt(fd.get(), offset, kDownloadPiece);
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
    auto listed = files::listDirectory(resolved, request.query.at("path"));
    if (!listed.ok()) return responder.respond(refusal(listed.status, listed.reason));
    bj::array out;
    for (auto& entry : listed.value) out.push_back(fileInfo(entry));
    responder.respond(http::Response::json(200, json::serialize(out)));
  }

  void read(http::Request& request, http::Responder responder, const files::Resolved& resolved) {
    auto offset = integerParam(request, "offset", -1);
    auto length = integerParam(request, "length", -1);
    if (!offset || !length) return responder.respond(refusal(400, "'offset' and 'length' must be integers"));
    if (*offset < -1 || *length < -1) {
      return responder.respond(refusal(400, "'offset' and 'length' must not be below -1"));
    }
    // No offset, or -1: only the file's size, for tailing.
    bool sizeOnly = *offset == -1;
    auto chunk = files::readFile(resolved, sizeOnly ? 0 : *offset, sizeOnly ? 0 : *length);
    if (!chunk.ok()) return responder.respond(refusal(chunk.status, chunk.reason));
    int64_t shownOffset = sizeOnly ? chunk.value.size : *offset;
    responder.respond(http::Response::json(
        200, json::serialize(bj::object{{"data", std::move(chunk.value.data)}, {"offset", shownOffset}})));
  }

  void download(http::Request&, http::Responder responder, const files::Resolved& resolved) {
    auto file = files::openRegular(resolved, "download");
    if (!file.ok()) return responder.respond(refusal(file.status, file.reason));
    http::Response head;
    head.status = 200;
    head.headers["Content-Type"] = "application/octet-stream";
    head.headers["Content-Disposition"] = attachmentName(resolved.real);
    auto size = static_cast<size_t>(file.value.second.st_size);
    if (size <= kWholeDownload) {
      auto data = files::readAt(file.value.first.get(), 0, size);
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
