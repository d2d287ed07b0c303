// The checkpoint writer; see checkpoint_writer.hpp.
#include "common/checkpoint_writer.hpp"

#include <boost/asio/post.hpp>

#include "common/logging.hpp"

namespace tepui::checkpoint {

Writer::Writer(boost::asio::io_context& io) : io_(io), thread_([this] { run(); }) {}

Writer::~Writer() {
  *alive_ = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Writer::submit(Change change) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(change));
    queuedUpTo_ = ++submitted_;
  }
  wake_.notify_one();
}

void Writer::afterDurable(std::function<void()> fn) {
  if (idle()) return fn();
  waiting_.emplace_back(submitted_, std::move(fn));
}

void Writer::drain() {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

void Writer::durableUpTo(uint64_t sequence) {
  durable_ = sequence;
  while (!waiting_.empty() && waiting_.front().first <= durable_) {
    auto fn = std::move(waiting_.front().second);
    waiting_.pop_front();
    fn();
  }
}

void Writer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written
    std::vector<Change> group;
    group.swap(queue_);
    uint64_t upTo = queuedUpTo_;
    writing_ = true;
    lock.unlock();
    auto outcomes = apply(group);
    for (auto& outcome : outcomes) {
      if (outcome) {
        ++applied_;
        continue;
      }
      ++failed_;
      TLOG(ERROR) << "Failed to checkpoint: " << outcome.error().message;
    }
    ++groups_;
    boost::asio::post(io_, [this, alive = alive_, upTo] {
      if (*alive) durableUpTo(upTo);
    });
    lock.lock();
    writing_ = false;
    if (queue_.empty()) drained_.notify_all();
  }
}

}  // namespace tepui::checkpoint
