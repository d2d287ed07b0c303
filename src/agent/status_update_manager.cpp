// Status update manager (see status_update_manager.hpp).
#include "agent/status_update_manager.hpp"

namespace tepui::agent {

StatusUpdateManager::StatusUpdateManager(boost::asio::io_context& io, Forward forward,
                                         std::chrono::milliseconds retryMin, std::chrono::milliseconds retryMax)
    : io_(io), forward_(std::move(forward)), retryMin_(retryMin), retryMax_(retryMax) {}

bool StatusUpdateManager::update(const std::string& frameworkId, const v1::TaskStatus& status) {
  Key key{frameworkId, status.task_id().value()};
  Stream& stream = streams_[key];
  if (stream.acknowledged.count(status.uuid())) return false;
  for (auto& queued : stream.queue) {
    if (queued.uuid() == status.uuid()) return false;
  }
  stream.queue.push_back(status);
  persist(key, stream);
  if (stream.queue.size() == 1) send(key, stream, true);
  return true;
}

void StatusUpdateManager::persist(const Key& key, const Stream& stream) const {
  if (!persist_) return;
  internal::TaskUpdates saved;
  for (auto& status : stream.queue) *saved.add_queued() = status;
  for (auto& uuid : stream.acknowledged) saved.add_acknowledged(uuid);
  if (stream.acknowledgedState) saved.set_acknowledged_state(*stream.acknowledgedState);
  persist_(key.first, key.second, saved);
}

void StatusUpdateManager::recover(const std::string& frameworkId, const std::string& taskId,
                                  const internal::TaskUpdates& saved) {
  Stream& stream = streams_[{frameworkId, taskId}];
  stream.queue.assign(saved.queued().begin(), saved.queued().end());
  stream.acknowledged.insert(saved.acknowledged().begin(), saved.acknowledged().end());
  if (saved.has_acknowledged_state()) stream.acknowledgedState = saved.acknowledged_state();
}

void StatusUpdateManager::send(const Key& key, Stream& stream, bool resetBackoff) {
  if (stream.queue.empty()) return;
  if (resetBackoff) stream.backoff = retryMin_;
  if (!paused_) forward_(key.first, stream.queue.front(), stream.queue.back().state());
  if (!stream.retry) stream.retry = std::make_unique<boost::asio::steady_timer>(io_);
  stream.retry->expires_after(stream.backoff);
  stream.retry->async_wait([this, key](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = streams_.find(key);
    if (it == streams_.end()) return;
    it->second.backoff = std::min(it->second.backoff * 2, retryMax_);
    send(key, it->second, false);
  });
}

std::unique_ptr<v1::TaskStatus> StatusUpdateManager::acknowledge(const std::string& frameworkId,
                                                                 const std::string& taskId, const std::string& uuid) {
  Key key{frameworkId, taskId};
  auto it = streams_.find(key);
  if (it == streams_.end() || it->second.queue.empty() || it->second.queue.front().uuid() != uuid) return nullptr;
  Stream& stream = it->second;
  auto acked = std::make_unique<v1::TaskStatus>(std::move(stream.queue.front()));
  stream.queue.pop_front();
  stream.acknowledged.insert(uuid);
  stream.acknowledgedState = acked->state();
  persist(key, stream);
  if (stream.retry) stream.retry->cancel();
  if (!stream.queue.empty()) send(key, stream, true);
  return acked;
}

void StatusUpdateManager::pause() { paused_ = true; }

void StatusUpdateManager::resume() {
  paused_ = false;
  for (auto& [key, stream] : streams_) {
    if (!stream.queue.empty()) send(key, stream, true);
  }
}

void StatusUpdateManager::removeFramework(const std::string& frameworkId) {
  for (auto it = streams_.lower_bound({frameworkId, ""}); it != streams_.end() && it->first.first == frameworkId;) {
    if (it->second.retry) it->second.retry->cancel();
    it = streams_.erase(it);
  }
}

void StatusUpdateManager::removeTask(const std::string& frameworkId, const std::string& taskId) {
  auto it = streams_.find({frameworkId, taskId});
  if (it == streams_.end()) return;
  if (it->second.retry) it->second.retry->cancel();
  streams_.erase(it);
}

bool StatusUpdateManager::drained(const std::string& frameworkId, const std::string& taskId) const {
  auto it = streams_.find({frameworkId, taskId});
  return it == streams_.end() || it->second.queue.empty();
}

std::optional<v1::TaskState> StatusUpdateManager::latestQueuedState(const std::string& frameworkId,
                                                                    const std::string& taskId) const {
  auto it = streams_.find({frameworkId, taskId});
  if (it == streams_.end() || it->second.queue.empty()) return std::nullopt;
  return it->second.queue.back().state();
}

std::optional<v1::TaskState> StatusUpdateManager::acknowledgedState(const std::string& frameworkId,
                                                                    const std::string& taskId) const {
  auto it = streams_.find({frameworkId, taskId});
  return it == streams_.end() ? std::nullopt : it->second.acknowledgedState;
}

std::vector<v1::TaskStatus> StatusUpdateManager::queued(const std::string& frameworkId,
                                                        const std::string& taskId) const {
  auto it = streams_.find({frameworkId, taskId});
  if (it == streams_.end()) return {};
  return {it->second.queue.begin(), it->second.queue.end()};
}

size_t StatusUpdateManager::pendingCount() const {
  size_t n = 0;
  for (auto& [key, stream] : streams_) n += stream.queue.size();
  return n;
}

}  // namespace tepui::agent
