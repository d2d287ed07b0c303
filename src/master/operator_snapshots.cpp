// The operator API's large answers (GET_STATE, GET_TASKS, GET_AGENTS,
// GET_FRAMEWORKS, GET_EXECUTORS) without stalling the master: the answer is
// copied on the loop (a copy of the protobuf messages, cheap next to
// encoding them) and encoded to JSON or protobuf on encoder_, one worker
// thread. While one answer of a kind is being encoded, the calls of that
// kind that arrive wait and share the next one, taken when the encoding
// ends: however many clients poll, the loop makes one copy per encoding,
// and no answer is older than the call it answers.
#include <boost/asio/post.hpp>

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

void MasterImpl::fillSnapshot(Call::Type type, Response& response) const {
  switch (type) {
    case Call::GET_STATE: {
      response.set_type(Response::GET_STATE);
      auto* state = response.mutable_get_state();
      operatorTasks(state->mutable_get_tasks());
      operatorExecutors(state->mutable_get_executors());
      operatorFrameworks(state->mutable_get_frameworks());
      operatorAgents(state->mutable_get_agents());
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
      operatorTasks(response.mutable_get_tasks());
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
  fillSnapshot(type, *response);
  auto encoded = std::make_shared<http::Response>();
  offLoop([response, encoded, contentType] { *encoded = http::encodedResponse(*response, contentType); },
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
