// `tepui logs TASK_ID`: prints a task's stdout (or stderr) from its
// sandbox through the master's operator API (`POST /api/v1` in protobuf):
// READ_FILE, which the master forwards to the agent holding the sandbox.
//
// The task is found in GET_STATE (cluster_state.hpp's findTask): live,
// unreachable and completed tasks of every framework. Its sandbox is
//   /slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/latest
// where <ex> is the task's executor_id, or the task id for a command task
// (no executor_id). A task whose executor id differs from its own id may
// belong to a task group, whose tasks each have a sandbox of their own,
// `tasks/<task_id>` inside the executor's: that one is used when it exists,
// and the executor's otherwise (a custom executor's tasks share its
// sandbox).
//
// --follow polls every 200 ms, and ends once the master reports the task
// terminal or unreachable (or forgets it) and everything written until then
// is printed. It rides a failover of the masters: when the master cannot be
// reached or a read fails, it looks the leader up again through --master
// (zk://, or a master's /master/redirect) every 200 ms and carries on from
// the same offset, for up to --master_failover_timeout; a new leader that
// does not know the task yet (its agent has not registered again) is given
// the same time before the task counts as forgotten.
// The task's output goes to stdout, whichever file is read; errors go to
// stderr as one line.
#include <algorithm>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/cluster_state.hpp"
#include "cli/commands.hpp"
#include "cli/leading_master.hpp"
#include "cli/parse_flags.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"
#include "http/api_request.hpp"
#include "http/client.hpp"

namespace tepui::cli {

namespace {

using namespace std::chrono_literals;

constexpr auto kPollInterval = 200ms;
constexpr int64_t kReadLength = 64 * 1024;

struct TaskLocation {
  std::string frameworkId;
  std::string agentId;
  std::string executorId;  // empty for a command task
  bool terminal = false;
};

// Where the task named on the command line is, in a GET_STATE answer:
// live first, then unreachable, then completed (the newest).
Result<TaskLocation> locate(const ClusterState& state, const std::string& taskId, const std::string& frameworkId) {
  auto entry = state.findTask(taskId, frameworkId);
  if (!entry) return entry.error();
  const v1::Task& t = *entry->task;
  TaskLocation where{t.framework_id().value(), t.agent_id().value(), t.executor_id().value()};
  where.terminal = entry->list != TaskEntry::List::LIVE || isTerminalState(t.state());
  return where;
}

struct Chunk {
  int status = 0;  // of READ_FILE
  std::string data;
  int64_t size = 0;    // the whole file's
  std::string reason;  // for a status other than 200
};

class LogsCommand {
 public:
  LogsCommand(std::string spec, http::Endpoint master, std::string taskId, std::string frameworkId, std::string file,
              double failoverTimeout)
      : spec_(std::move(spec)),
        master_(std::move(master)),
        taskId_(taskId),
        file_(std::move(file)),
        frameworkId_(std::move(frameworkId)),
        failoverTimeout_(failoverTimeout) {}

  int run(bool follow, int tail) {
    auto state = fetchState();
    if (!state) return fail(state.error().message);
    auto located = locate(*state, taskId_, frameworkId_);
    if (!located) return fail(located.error().message);
    TaskLocation task = *located;
    std::string path;  // the file, once its sandbox has it
    int64_t offset = 0;
    while (true) {
      // Known before reading: once ended, what is read next is all there is.
      bool ended = task.terminal;
      if (path.empty()) {
        auto found = findFile(task);
        if (!found) return fail(found.error().message);
        path = *found;
        if (!path.empty() && tail >= 0) {
          auto size = read(path, 0, 0);
          if (!size) return fail(size.error().message);
          offset = std::max<int64_t>(0, size->size - tail);
        }
      }
      if (!path.empty()) {
        if (auto printed = printFrom(path, offset); !printed) {
          if (!follow) return fail(printed.error().message);
          if (auto lost = lostMaster(printed.error()); !lost) return fail(lost.error().message);
          continue;  // the same offset, from the leader found again
        }
      }
      if (!follow || ended) {
        if (path.empty()) return fail("task '" + taskId_ + "' has no " + file_ + " in its sandbox (yet)");
        return 0;
      }
      std::this_thread::sleep_for(kPollInterval);
      state = fetchState();
      if (!state) {
        if (auto lost = lostMaster(state.error()); !lost) return fail(lost.error().message);
        continue;
      }
      located = locate(*state, taskId_, frameworkId_);
      if (located) {
        task = *located;
        lostSince_.reset();
        failedOver_ = false;  // this leader knows it: forgetting it again means it ended
      } else if (waitingForTask()) {
        continue;  // a new leader that has not heard of it yet
      }
      // A task the master has forgotten has ended: print what is left.
      task.terminal = !located || located->terminal;
    }
  }

 private:
  // Following, the master went away or a read failed (`why`): once the
  // --master_failover_timeout since the first such failure has passed, the
  // error to end with; before, it waits a poll interval and looks the leader
  // up again.
  Status lostMaster(const Error& why) {
    auto now = std::chrono::steady_clock::now();
    if (!lostSince_) {
      lostSince_ = now;
      failedOver_ = true;
      std::cerr << "tepui logs: " << why.message << "; looking for the leader" << std::endl;
    }
    if (now - *lostSince_ > failoverWait()) {
      return Error(why.message + " (and for " + std::to_string(static_cast<int>(failoverTimeout_)) + "s after)");
    }
    std::this_thread::sleep_for(kPollInterval);
    if (auto leader = findLeadingMaster(spec_, std::chrono::seconds(1)); leader) master_ = *leader;
    return okStatus();
  }

  // After a failover the new leader knows a task only once its agent has
  // registered again: until the --master_failover_timeout has passed, an
  // unknown task is waited for rather than taken as forgotten.
  bool waitingForTask() {
    if (!failedOver_) return false;
    auto now = std::chrono::steady_clock::now();
    if (!lostSince_) lostSince_ = now;
    return now - *lostSince_ <= failoverWait();
  }

  std::chrono::steady_clock::duration failoverWait() const {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(failoverTimeout_));
  }

  int fail(const std::string& why) {
    std::cerr << "tepui logs: " << why << std::endl;
    return 1;
  }

  Result<ClusterState> fetchState() {
    v1::master::Call call;
    call.set_type(v1::master::Call::GET_STATE);
    auto response = post(call);
    if (!response) return response.error();
    if (response->status != 200) {
      return Error("the master at " + master_.str() + " answered " + std::to_string(response->status) + ": " +
                   trimmed(response->body));
    }
    v1::master::Response decoded;
    if (!codec::decode(response->body, codec::ContentType::PROTOBUF, &decoded) || !decoded.has_get_state()) {
      return Error("the master at " + master_.str() + " sent a malformed GET_STATE answer");
    }
    return ClusterState(std::move(*decoded.mutable_get_state()));
  }

  // The sandbox path of the file, or "" if it does not exist (yet).
  Result<std::string> findFile(const TaskLocation& task) {
    std::string executor = task.executorId.empty() ? taskId_ : task.executorId;
    std::string base =
        "/slaves/" + task.agentId + "/frameworks/" + task.frameworkId + "/executors/" + executor + "/runs/latest/";
    std::vector<std::string> candidates;
    if (executor != taskId_) candidates.push_back(base + "tasks/" + taskId_ + "/" + file_);
    candidates.push_back(base + file_);
    for (auto& candidate : candidates) {
      auto probe = read(candidate, 0, 0);
      if (!probe) return probe.error();
      if (probe->status == 200) return candidate;
    }
    return std::string();
  }

  // Prints from `offset` to the current end of the file.
  Status printFrom(const std::string& path, int64_t& offset) {
    while (true) {
      auto chunk = read(path, offset, kReadLength);
      if (!chunk) return chunk.error();
      if (chunk->status != 200) return Error("cannot read " + path + ": " + chunk->reason);
      if (chunk->data.empty()) return okStatus();
      std::cout.write(chunk->data.data(), static_cast<std::streamsize>(chunk->data.size()));
      std::cout.flush();
      offset += static_cast<int64_t>(chunk->data.size());
    }
  }

  // READ_FILE through the master. A refusal (404, 403, ...) is a Chunk
  // with its status; only an unreachable master or agent, or a malformed
  // answer, is an Error.
  Result<Chunk> read(const std::string& path, int64_t offset, int64_t length) {
    v1::master::Call call;
    call.set_type(v1::master::Call::READ_FILE);
    call.mutable_read_file()->set_path(path);
    call.mutable_read_file()->set_offset(static_cast<uint64_t>(offset));
    call.mutable_read_file()->set_length(static_cast<uint64_t>(length));
    auto response = post(call);
    if (!response) return response.error();
    Chunk chunk;
    chunk.status = response->status;
    if (response->status == 503)
      return Error("the agent holding the sandbox is unreachable: " + trimmed(response->body));
    if (response->status != 200) {
      chunk.reason = trimmed(response->body);
      return chunk;
    }
    v1::master::Response decoded;
    if (!codec::decode(response->body, codec::ContentType::PROTOBUF, &decoded) || !decoded.has_read_file()) {
      return Error("the master at " + master_.str() + " sent a malformed READ_FILE answer");
    }
    chunk.data = decoded.read_file().data();
    chunk.size = static_cast<int64_t>(decoded.read_file().size());
    return chunk;
  }

  // One operator call to the master, in protobuf (file data is raw bytes).
  Result<http::Response> post(const v1::master::Call& call) {
    auto request = http::apiRequest("/api/v1", call, codec::ContentType::PROTOBUF);
    request.headers["Accept"] = std::string(codec::kProtobuf);
    auto response = http::fetch(master_, std::move(request));
    if (!response) return Error("cannot reach the master at " + master_.str() + ": " + response.error().message);
    return response;
  }

  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  std::string spec_;  // --master as given: how to find the leader again
  http::Endpoint master_;
  std::string taskId_;
  std::string file_;
  std::string frameworkId_;  // --framework, or empty
  double failoverTimeout_;
  bool failedOver_ = false;  // the master was lost, and the leader since has not shown the task yet
  std::optional<std::chrono::steady_clock::time_point> lostSince_;
};

}  // namespace

int logsMain(int argc, const char* const* argv) {
  logging::setLevel(logging::Level::WARNING);
  std::string master = "127.0.0.1:5050", framework;
  bool follow = false, stderrFile = false;
  int tail = -1;
  double failoverTimeout = 60;
  FlagSet flags(
      "Usage: tepui logs TASK_ID [--master HOST:PORT] [--framework ID] [--follow] [--stderr] [--tail BYTES]\n\n"
      "Prints a task's stdout (or stderr) from its sandbox, through the master.");
  flags.add("master", &master, "The master: host:port of any master, or zk://host:port[,host:port]/path");
  flags.add("framework", &framework, "The framework of the task, when its id is used by several");
  flags.add("follow", &follow, "Keep printing what the task writes until it ends");
  flags.add("stderr", &stderrFile, "Print the task's stderr instead of its stdout");
  flags.add("tail", &tail, "Print only the last BYTES bytes written so far (-1: everything)");
  flags.add("master_failover_timeout", &failoverTimeout,
            "With --follow: seconds to look for the leader again after losing the master, and to wait for a new "
            "leader to hear of the task");
  std::vector<std::string> positional;
  if (int rc = parseFlags(flags, argc, argv, "logs", &positional); rc >= 0) return rc;
  if (positional.size() != 1) {
    std::cerr << "tepui logs: expected one task id (usage: tepui logs TASK_ID [--master HOST:PORT])\n";
    return 2;
  }
  if (master.rfind("zk://", 0) != 0 && !http::parseEndpoint(master)) {
    std::cerr << "tepui logs: invalid --master '" << master << "': expected host:port or zk://host:port/path\n";
    return 2;
  }
  auto endpoint = findLeadingMaster(master);
  if (!endpoint) {
    std::cerr << "tepui logs: " << endpoint.error().message << "\n";
    return 1;
  }
  if (tail < -1) {
    std::cerr << "tepui logs: --tail must be a number of bytes, or -1\n";
    return 2;
  }
  if (!(failoverTimeout >= 0)) {
    std::cerr << "tepui logs: --master_failover_timeout must be a number of seconds, 0 or more\n";
    return 2;
  }
  LogsCommand command(master, *endpoint, positional.front(), framework, stderrFile ? "stderr" : "stdout",
                      failoverTimeout);
  return command.run(follow, tail);
}

}  // namespace tepui::cli
