// The agent's sandbox file endpoints in Mesos's shapes: /files/browse,
// /files/read (JSON {data, offset}; offset -1 or none gives the size),
// /files/download and /files/debug. Paths are either a sandbox's real path
// or the virtual /frameworks/<fw>/executors/<ex>/runs/<run|latest>/... form.
// Nothing outside a sandbox is served: the path is resolved with every
// symlink followed and must land inside a run directory under this agent's
// work dir; anything else is 404 (absent) or 403 (outside).
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <pwd.h>

#include "agent/agent_impl.hpp"
#include "common/json.hpp"

namespace tepui::agent {

namespace fs = std::filesystem;
namespace bj = boost::json;

namespace {

constexpr size_t kMaxRead = 16 * 4096;  // Mesos serves at most 16 pages per read

std::string modeString(mode_t m) {
  std::string s = S_ISDIR(m) ? "d" : S_ISLNK(m) ? "l" : "-";
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) s += (m & (0400 >> i)) ? rwx[i] : '-';
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

bj::object fileInfo(const fs::path& path, const std::string& shown) {
  struct stat st {};
  lstat(path.c_str(), &st);
  return bj::object{{"path", shown},
                    {"nlink", static_cast<int64_t>(st.st_nlink)},
                    {"size", static_cast<int64_t>(st.st_size)},
                    {"mtime", static_cast<int64_t>(st.st_mtime)},
                    {"mode", modeString(st.st_mode)},
                    {"uid", userName(st.st_uid)},
                    {"gid", groupName(st.st_gid)}};
}

struct Resolved {
  int status = 200;  // 200, 403, 404
  fs::path real;
  std::string message;
};

}  // namespace

namespace {

Resolved resolve(const std::string& workDir, const std::string& agentId, const std::string& requested) {
  Resolved r;
  if (requested.empty()) return {400, {}, "Expecting 'path' to be present"};
  fs::path root = fs::path(workDir) / "slaves" / agentId / "frameworks";
  fs::path candidate;
  if (requested.rfind("/frameworks/", 0) == 0) {
    candidate = fs::path(workDir) / "slaves" / agentId / fs::path(requested).relative_path();
  } else {
    candidate = requested;
  }
  std::error_code ec;
  fs::path canonicalRoot = fs::canonical(root, ec);
  if (ec) return {404, {}, "No sandboxes on this agent"};
  fs::path real = fs::canonical(candidate, ec);
  if (ec) return {404, {}, "No such file or directory: " + requested};
  // Inside <root>/<fw>/executors/<ex>/runs/<run>: at least five levels down.
  auto rel = real.lexically_relative(canonicalRoot);
  int depth = 0;
  bool escapes = rel.empty();
  for (auto& part : rel) {
    if (part == "..") escapes = true;
    ++depth;
  }
  if (escapes || depth < 5) return {403, {}, "Access to '" + requested + "' is not allowed"};
  r.real = real;
  return r;
}

}  // namespace

void registerFileRoutes(http::Server& server, std::function<std::string()> workDir,
                        std::function<std::string()> agentId) {
  auto withPath = [workDir, agentId](std::function<void(http::Request&, http::Responder, const Resolved&)> then) {
    return [workDir, agentId, then](http::Request& request, http::Responder responder) {
      auto it = request.query.find("path");
      Resolved r = resolve(workDir(), agentId(), it == request.query.end() ? "" : it->second);
      if (r.status != 200) return responder.respond(http::Response::text(r.status, r.message + "\n"));
      then(request, std::move(responder), r);
    };
  };

  server.route("/files/browse", withPath([](http::Request& request, http::Responder responder, const Resolved& r) {
    if (!fs::is_directory(r.real)) return responder.respond(http::Response::text(400, "Not a directory\n"));
    std::string shown = request.query.at("path");
    while (shown.size() > 1 && shown.back() == '/') shown.pop_back();
    bj::array out;
    std::error_code ec;
    for (auto& entry : fs::directory_iterator(r.real, ec)) {
      out.push_back(fileInfo(entry.path(), shown + "/" + entry.path().filename().string()));
    }
    responder.respond(http::Response::json(200, json::serialize(out)));
  }));

  server.route("/files/read", withPath([](http::Request& request, http::Responder responder, const Resolved& r) {
    if (fs::is_directory(r.real)) return responder.respond(http::Response::text(400, "Cannot read a directory\n"));
    std::error_code ec;
    auto size = static_cast<int64_t>(fs::file_size(r.real, ec));
    if (ec) return responder.respond(http::Response::text(404, "Cannot read file\n"));
    int64_t offset = -1, length = static_cast<int64_t>(kMaxRead);
    try {
      if (auto it = request.query.find("offset"); it != request.query.end()) offset = std::stoll(it->second);
      if (auto it = request.query.find("length"); it != request.query.end()) length = std::stoll(it->second);
    } catch (...) {
      return responder.respond(http::Response::text(400, "'offset' and 'length' must be integers\n"));
    }
    if (offset < -1 || length < -1) {
      return responder.respond(http::Response::text(400, "'offset' and 'length' must not be negative\n"));
    }
    if (offset == -1) {
      return responder.respond(http::Response::json(200, json::serialize(bj::object{{"offset", size}, {"data", ""}})));
    }
    if (length == -1 || length > static_cast<int64_t>(kMaxRead)) length = static_cast<int64_t>(kMaxRead);
    std::string data;
    if (offset < size) {
      std::ifstream in(r.real, std::ios::binary);
      in.seekg(offset);
      data.resize(static_cast<size_t>(std::min(length, size - offset)));
      in.read(data.data(), static_cast<std::streamsize>(data.size()));
      data.resize(static_cast<size_t>(in.gcount()));
    }
    responder.respond(
        http::Response::json(200, json::serialize(bj::object{{"offset", offset}, {"data", std::move(data)}})));
  }));

  server.route("/files/download", withPath([](http::Request&, http::Responder responder, const Resolved& r) {
    if (fs::is_directory(r.real)) return responder.respond(http::Response::text(400, "Cannot download a directory\n"));
    std::ifstream in(r.real, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    http::Response response;
    response.status = 200;
    response.headers["Content-Type"] = "application/octet-stream";
    response.headers["Content-Disposition"] = "attachment; filename=" + r.real.filename().string();
    response.body = std::move(data);
    responder.respond(std::move(response));
  }));

  server.route("/files/debug", [workDir, agentId](http::Request&, http::Responder responder) {
    bj::object out;
    out["/frameworks"] = (fs::path(workDir()) / "slaves" / agentId() / "frameworks").string();
    responder.respond(http::Response::json(200, json::serialize(out)));
  });
}

}  // namespace tepui::agent
