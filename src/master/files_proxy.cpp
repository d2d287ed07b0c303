// /files/browse, /files/read, /files/download and /files/debug on the
// master, and its operator API's LIST_FILES and READ_FILE: each request
// goes to the agent holding the sandbox its `path` names, and the agent's
// answer (status, headers, body) comes back as is; the two calls go to the
// agent's own POST /api/v1 in protobuf and come back in the client's media
// type.
// The agent is the one that decides what may be served; the master only
// refuses what no agent would serve (NUL bytes, ".." components) without
// asking. Downloads are relayed piece by piece as they arrive.
#include "master/files_proxy.hpp"

#include <functional>
#include <vector>

#include "common/logging.hpp"
#include "http/api_call.hpp"
#include "http/api_request.hpp"
#include "http/client.hpp"
#include "master/master_impl.hpp"
#include "tepui/v1/agent.pb.h"

namespace tepui::master {

namespace files {

namespace {

std::vector<std::string_view> nonEmptyComponents(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    auto part = path.substr(0, slash);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::optional<SandboxTarget> parseSandboxPath(std::string_view path) {
  auto parts = nonEmptyComponents(path);
  auto target = [&](size_t at, std::string_view agent) -> std::optional<SandboxTarget> {
    if (at + 3 >= parts.size() || parts[at] != "frameworks" || parts[at + 2] != "executors") return std::nullopt;
    return SandboxTarget{std::string(agent), std::string(parts[at + 1]), std::string(parts[at + 3])};
  };
  if (!parts.empty() && parts[0] == "frameworks") return target(0, "");
  if (parts.size() > 2 && parts[0] == "slaves") return target(2, parts[1]);
  // A host path: the first <...>/slaves/<agent>/frameworks/<fw>/executors/<ex>.
  for (size_t i = 1; i + 1 < parts.size(); ++i) {
    if (parts[i - 1] != "slaves") continue;
    if (auto found = target(i + 1, parts[i])) return found;
  }
  return std::nullopt;
}

std::optional<std::string> hostilePath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos) return "The path contains a NUL byte";
  for (auto part : nonEmptyComponents(path)) {
    if (part == "..") return "The path has a '..' component";
  }
  return std::nullopt;
}

}  // namespace files

namespace {

constexpr std::chrono::milliseconds kAgentTimeout{15000};

http::Response refusal(int status, const std::string& reason) { return http::Response::text(status, reason + "\n"); }

// The agent's answer as the master's (the server writes its own framing).
http::Response relayed(const http::Response& from) {
  http::Response out;
  out.status = from.status;
  out.headers = from.headers;
  out.body = from.body;
  return out;
}

std::string param(const http::Request& request, const char* name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? std::string() : it->second;
}

// The request to the agent: the same endpoint and query, less `agent_id`.
http::Request agentRequest(const std::string& endpoint, const http::Request& request) {
  http::Request r;
  r.method = "GET";
  r.target = "/files/" + endpoint;
  char sep = '?';
  for (auto& [key, value] : request.query) {
    if (key == "agent_id") continue;
    r.target += sep + http::percentEncode(key) + "=" + http::percentEncode(value);
    sep = '&';
  }
  return r;
}

// The agent a request is for, or why there is none (status and reason).
struct AgentChoice {
  std::string agentId;
  int status = 200;
  std::string reason;
};

using ExecutorLookup = std::function<std::string(const std::string& frameworkId, const std::string& executorId)>;

// `agentId`: the one the client named, if any.
AgentChoice chooseAgent(const std::string& path, std::string agentId, const ExecutorLookup& agentOfExecutor) {
  if (path.empty()) return {"", 400, "Expecting 'path' to be present"};
  if (auto hostile = files::hostilePath(path)) return {"", 403, *hostile};
  if (!agentId.empty()) return {agentId};
  auto target = files::parseSandboxPath(path);
  if (!target) {
    return {"", 404,
            "The path names no sandbox: expected /frameworks/<framework>/executors/<executor>/runs/..., "
            "/slaves/<agent>/frameworks/... or a sandbox's host path (or name the agent with agent_id=)"};
  }
  if (!target->agentId.empty()) return {target->agentId};
  agentId = agentOfExecutor(target->frameworkId, target->executorId);
  if (agentId.empty()) {
    return {"", 404,
            "No agent is known to run or have run executor '" + target->executorId + "' of framework '" +
                target->frameworkId + "' (name one with agent_id=)"};
  }
  return {agentId};
}

void forwardWhole(http::Client& client, const http::Endpoint& agent, http::Request request, http::Responder responder,
                  const std::string& where) {
  auto shared = std::make_shared<http::Responder>(std::move(responder));
  client.request(
      agent, std::move(request),
      [shared, where](Result<http::Response> answer) {
        if (answer) return shared->respond(relayed(*answer));
        TLOG(WARNING) << "Cannot forward a /files request: " << where << " is unreachable: " << answer.error().message;
        shared->respond(refusal(503, where + " is unreachable: " + answer.error().message));
      },
      http::RequestOptions{kAgentTimeout});
}

// State shared by the callbacks of one relayed download.
struct DownloadRelay {
  http::Responder responder;
  std::shared_ptr<http::Stream> downstream;
  std::shared_ptr<http::ClientStream> upstream;
};

// Relays a download piece by piece as the agent sends it.
void relayDownload(http::Client& client, const http::Endpoint& agent, http::Request request, http::Responder responder,
                   const std::string& where) {
  auto relay = std::make_shared<DownloadRelay>();
  relay->responder = std::move(responder);
  http::StreamCallbacks callbacks;
  callbacks.onHead = [relay](const http::Response& head) {
    if (head.status < 200 || head.status >= 300) return relay->responder.respond(relayed(head));
    relay->downstream = relay->responder.stream(relayed(head));
    // The client went away: stop reading from the agent.
    relay->downstream->onClose([weak = std::weak_ptr<DownloadRelay>(relay)] {
      if (auto r = weak.lock(); r && r->upstream) r->upstream->cancel();
    });
  };
  callbacks.onData = [relay](std::string_view data) {
    if (relay->downstream) relay->downstream->write(std::string(data));
  };
  callbacks.onEnd = [relay, where](const Status& status) {
    if (!status) TLOG(WARNING) << "Download from " << where << " failed: " << status.error().message;
    if (relay->downstream) {
      relay->downstream->close();  // a failure mid-body can only end it early
    } else if (!relay->responder.answered()) {
      relay->responder.respond(
          refusal(503, where + " is unreachable: " + (status ? std::string("no answer") : status.error().message)));
    }
    relay->upstream.reset();
  };
  relay->upstream = client.openStream(agent, std::move(request), std::move(callbacks), kAgentTimeout);
}

}  // namespace

void MasterImpl::installFileRoutes() {
  filesClient_ = std::make_unique<http::Client>(io_);
  for (const char* endpoint : {"browse", "read", "download", "debug"}) {
    server_.route(std::string("/files/") + endpoint, [this, endpoint](http::Request& r, http::Responder p) {
      if (!redirectToLeader(r, p)) proxyFiles(endpoint, r, std::move(p));
    });
  }
}

std::string MasterImpl::agentOfExecutor(const std::string& frameworkId, const std::string& executorId) const {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return "";
  const Framework& f = fit->second;
  // A command task's executor id is its task id; it has no executor_id.
  auto runs = [&](const v1::Task& t) {
    return t.executor_id().value() == executorId ||
           (t.executor_id().value().empty() && t.task_id().value() == executorId);
  };
  for (auto& [id, entry] : f.tasks) {
    if (runs(entry.task)) return entry.task.agent_id().value();
  }
  for (auto& [key, info] : f.executors) {
    if (key.second == executorId) return key.first;
  }
  for (auto* done : {&f.completedTasks, &f.unreachableTasks}) {
    for (auto it = done->rbegin(); it != done->rend(); ++it) {  // newest first
      if (runs(*it)) return it->agent_id().value();
    }
  }
  return "";
}

void MasterImpl::proxyFiles(const std::string& endpoint, http::Request& request, http::Responder responder) {
  AgentChoice choice;
  if (endpoint == "debug") {
    // The master attaches no files of its own: nothing to list, unless an
    // agent is named, whose table is relayed.
    choice.agentId = param(request, "agent_id");
    if (choice.agentId.empty()) return responder.respond(http::Response::json(200, "{}"));
  } else {
    choice = chooseAgent(param(request, "path"), param(request, "agent_id"),
                         [this](auto& fw, auto& ex) { return agentOfExecutor(fw, ex); });
    if (choice.status != 200) return responder.respond(refusal(choice.status, choice.reason));
  }
  auto address = filesAgent(choice.agentId);
  if (auto* refused = std::get_if<http::Response>(&address)) return responder.respond(std::move(*refused));
  auto& agent = std::get<http::Endpoint>(address);
  std::string where = "Agent '" + choice.agentId + "' at " + agent.str();
  if (endpoint == "download") {
    return relayDownload(*filesClient_, agent, agentRequest(endpoint, request), std::move(responder), where);
  }
  forwardWhole(*filesClient_, agent, agentRequest(endpoint, request), std::move(responder), where);
}

std::variant<http::Endpoint, http::Response> MasterImpl::filesAgent(const std::string& agentId) const {
  auto ait = agents_.find(agentId);
  if (ait == agents_.end()) {
    if (unreachableAgents_.count(agentId)) return refusal(503, "Agent '" + agentId + "' is unreachable");
    return refusal(404, "Unknown agent '" + agentId + "'");
  }
  auto address = http::parseEndpoint(ait->second.address);
  if (!address) return refusal(503, "Agent '" + agentId + "' has no usable address");
  return *address;
}

void MasterImpl::operatorFiles(const v1::master::Call& call, codec::ContentType type, http::Responder responder) {
  using Call = v1::master::Call;
  bool list = call.type() == Call::LIST_FILES;
  if (list ? !call.has_list_files() : !call.has_read_file()) {
    return responder.respond(
        refusal(400, list ? "Expecting 'list_files' to be present" : "Expecting 'read_file' to be present"));
  }
  const std::string& path = list ? call.list_files().path() : call.read_file().path();
  auto choice = chooseAgent(path, "", [this](auto& fw, auto& ex) { return agentOfExecutor(fw, ex); });
  if (choice.status != 200) return responder.respond(refusal(choice.status, choice.reason));
  auto address = filesAgent(choice.agentId);
  if (auto* refused = std::get_if<http::Response>(&address)) return responder.respond(std::move(*refused));
  auto& agent = std::get<http::Endpoint>(address);
  std::string where = "Agent '" + choice.agentId + "' at " + agent.str();

  // The same call to the agent, whose operator API numbers and shapes
  // LIST_FILES and READ_FILE as the master's does.
  v1::agent::Call forwarded;
  forwarded.set_type(list ? v1::agent::Call::LIST_FILES : v1::agent::Call::READ_FILE);
  if (list) {
    forwarded.mutable_list_files()->set_path(path);
  } else {
    auto* read = forwarded.mutable_read_file();
    read->set_path(path);
    read->set_offset(call.read_file().offset());
    if (call.read_file().has_length()) read->set_length(call.read_file().length());
  }
  auto request = http::apiRequest("/api/v1", forwarded, codec::ContentType::PROTOBUF);
  request.headers["Accept"] = std::string(codec::mediaType(codec::ContentType::PROTOBUF));
  auto shared = std::make_shared<http::Responder>(std::move(responder));
  filesClient_->request(
      agent, std::move(request),
      [shared, where, list, type](Result<http::Response> answer) {
        if (!answer) {
          TLOG(WARNING) << "Cannot forward a file call: " << where << " is unreachable: " << answer.error().message;
          return shared->respond(refusal(503, where + " is unreachable: " + answer.error().message));
        }
        if (answer->status != 200) return shared->respond(relayed(*answer));
        v1::agent::Response from;
        if (auto decoded = codec::decode(answer->body, codec::ContentType::PROTOBUF, &from); !decoded) {
          return shared->respond(
              refusal(502, where + " answered with something unreadable: " + decoded.error().message));
        }
        v1::master::Response out;
        if (list) {
          out.set_type(v1::master::Response::LIST_FILES);
          *out.mutable_list_files()->mutable_file_infos() = from.list_files().file_infos();
        } else {
          out.set_type(v1::master::Response::READ_FILE);
          out.mutable_read_file()->set_size(from.read_file().size());
          out.mutable_read_file()->set_data(from.read_file().data());
        }
        shared->respond(http::encodedResponse(out, type));
      },
      http::RequestOptions{kAgentTimeout});
}

}  // namespace tepui::master
