// The operator API's large answers (GET_STATE, GET_TASKS, GET_AGENTS,
// GET_FRAMEWORKS, GET_EXECUTORS) without stalling the master: the answer is
// copied on the loop (a copy of the protobuf messages, cheap next to
// encoding them) and encoded to JSON or protobuf on encoder_, one worker
// thread. GET_STATE's per-agent and per-framework allocated_resources are
// summed there too, from the answer's own tasks and executors
// (addStateUsage): summed on the loop they cost more than the copy. While one answer of a kind is being encoded, the
// calls of that kind that arrive wait and share the next one, taken when the encoding ends: however many clients poll,
// the loop makes one copy per encoding, and no answer is older than the call it answers.
#include <boost/asio/post.hpp>

#include "common/task_states.hpp"
#include "http/api_call.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

using Call = v1::master::Call;
using Response = v1::master::Response;

void MasterImpl::offLoop(std::function<void()> work, std::function<void()> then) {
  boost::asio::post(encoder_, [this, alive = alive_, work = std::move(work), then = std::move(then)]() mutable {
    work();
    boost::asio::post(io_, [alive, then = std::move(then)] {
      if (*alive) then();
    });
  });
}

void MasterImpl::addStateUsage(Response::GetState& state) {
  std::unordered_map<std::string, Resources> byAgent, byFramework;
  for (const v1::Task& task : state.get_tasks().tasks()) {
    if (isTerminalState(task.state())) continue;  // its resources went back to the allocator
    Resources r(task.resources());
    byAgent[task.agent_id().value()] += r;
    byFramework[task.framework_id().value()] += r;
  }
  for (const auto& executor : state.get_executors().executors()) {
    Resources r(executor.executor_info().resources());
    byAgent[executor.agent_id().value()] += r;
    byFramework[executor.executor_info().framework_id().value()] += r;
  }
  for (auto& agent : *state.mutable_get_agents()->mutable_agents()) {
    if (auto it = byAgent.find(agent.agent_info().id().value()); it != byAgent.end()) {
      it->second.copyTo(agent.mutable_allocated_resources());
    }
  }
  for (auto& framework : *state.mutable_get_frameworks()->mutable_frameworks()) {
    if (auto it = byFramework.find(framework.framework_info().id().value()); it != byFramework.end()) {
      it->second.copyTo(framework.mutable_allocated_resources());
    }
  }
}

void MasterImpl::decodeLiveTasks(Response& response, const std::vector<std::shared_ptr<const std::string>>& live) {
  auto* tasks =
      response.has_get_state() ? response.mutable_get_state()->mutable_get_tasks() : response.mutable_get_tasks();
  // Before the completed and unreachable ones, as operatorTasks() lists them.
  google::protobuf::RepeatedPtrField<v1::Task> decoded;
  decoded.Reserve(static_cast<int>(live.size()));
  for (const auto& encoded : live) (void)decoded.Add()->ParseFromString(*encoded);
  tasks->mutable_tasks()->Swap(&decoded);
}

void MasterImpl::fillSnapshot(Call::Type type, Response& response,
                              std::vector<std::shared_ptr<const std::string>>& live) const {
  switch (type) {
    case Call::GET_STATE: {
      response.set_type(Response::GET_STATE);
      auto* state = response.mutable_get_state();
      operatorTasks(state->mutable_get_tasks(), &live);
      operatorExecutors(state->mutable_get_executors());
      operatorFrameworks(state->mutable_get_frameworks(), false);
      operatorAgents(state->mutable_get_agents(), false);
      break;
    }
    case Call::GET_AGENTS:
      response.set_type(Response::GET_AGENTS);
      operatorAgents(response.mutable_get_agents());
      break;
    case Call::GET_FRAMEWORKS:
      response.set_type(Response::GET_FRAMEWORKS);
      operatorFrameworks(response.mutable_get_frameworks());
      break;
    case Call::GET_EXECUTORS:
      response.set_type(Response::GET_EXECUTORS);
      operatorExecutors(response.mutable_get_executors());
      break;
    case Call::GET_TASKS:
      response.set_type(Response::GET_TASKS);
      operatorTasks(response.mutable_get_tasks(), &live);
      break;
    default: break;
  }
}

void MasterImpl::serveSnapshot(Call::Type type, codec::ContentType contentType, http::Responder responder) {
  SnapshotQueue& queue = snapshots_[{type, static_cast<int>(contentType)}];
  queue.waiting.push_back(std::move(responder));
  if (!queue.encoding) encodeSnapshot(type, contentType);
}

void MasterImpl::encodeSnapshot(Call::Type type, codec::ContentType contentType) {
  SnapshotQueue& queue = snapshots_[{type, static_cast<int>(contentType)}];
  // Callers that gave up are not worth a copy of the state.
  std::erase_if(queue.waiting, [](const http::Responder& r) { return r.peerGone(); });
  if (queue.waiting.empty()) return;
  queue.encoding = true;
  queue.encodingFor = std::move(queue.waiting);
  queue.waiting.clear();

  auto response = std::make_shared<Response>();
  auto live = std::make_shared<std::vector<std::shared_ptr<const std::string>>>();
  fillSnapshot(type, *response, *live);
  auto encoded = std::make_shared<http::Response>();
  offLoop(
      [response, live, encoded, contentType] {
        if (response->has_get_state() || response->has_get_tasks()) decodeLiveTasks(*response, *live);
        if (response->has_get_state()) addStateUsage(*response->mutable_get_state());
        *encoded = http::encodedResponse(*response, contentType);
      },
      [this, type, contentType, encoded] {
        SnapshotQueue& q = snapshots_[{type, static_cast<int>(contentType)}];
        auto answered = std::move(q.encodingFor);
        q.encodingFor.clear();
        for (size_t i = 0; i < answered.size(); ++i) {
          answered[i].respond(i + 1 == answered.size() ? std::move(*encoded) : *encoded);
        }
        q.encoding = false;
        if (!q.waiting.empty() && !stopped_) encodeSnapshot(type, contentType);
      });
}

}  // namespace tepui::master
