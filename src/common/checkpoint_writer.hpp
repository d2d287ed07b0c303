// The checkpoint writer: durable file changes (common/checkpoint.hpp) made
// on a thread of its own, so that an event loop never waits for the disk.
//
// Contract:
// - submit() queues a change and returns at once; changes are applied in
//   the order submitted. Whatever was queued while the thread was busy is
//   applied as one group (checkpoint::apply: its syncs shared), so a burst
//   of N changes costs about two journal commits, not 2N.
// - afterDurable(fn) runs fn on the io_context once every change submitted
//   before the call is durable; callbacks run in the order given. With
//   nothing queued or waiting, fn runs at once, inside the call.
// - A change that fails is logged (it names the file) and counted; it does
//   not stop the others, and afterDurable callbacks still run.
// - The destructor applies what is queued, then stops the thread; callbacks
//   still waiting are dropped, never run after the writer is gone.
// - submit(), afterDurable() and idle() are for the io_context's thread
//   only; drain() blocks the caller until the queue is empty (for shutdown
//   and tests), and must not be called with callbacks expected meanwhile.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/checkpoint.hpp"

namespace tepui::checkpoint {

class Writer {
 public:
  explicit Writer(boost::asio::io_context& io);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void submit(Change change);
  void afterDurable(std::function<void()> fn);
  // Nothing queued, being written, or waiting for durability.
  bool idle() const { return durable_ == submitted_ && waiting_.empty(); }
  // Changes submitted and not yet known durable.
  uint64_t pending() const { return submitted_ - durable_; }
  void drain();

  // Counters for metrics: groups written, changes applied (made durable), changes failed.
  uint64_t groups() const { return groups_; }
  uint64_t applied() const { return applied_; }
  uint64_t failed() const { return failed_; }

 private:
  void run();
  void durableUpTo(uint64_t sequence);

  boost::asio::io_context& io_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // The loop's side: sequence numbers of changes submitted and known durable.
  uint64_t submitted_ = 0, durable_ = 0;
  std::deque<std::pair<uint64_t, std::function<void()>>> waiting_;
  // Shared with the thread.
  std::mutex mutex_;
  std::condition_variable wake_, drained_;
  std::vector<Change> queue_;
  uint64_t queuedUpTo_ = 0;  // the sequence number of the queue's last change
  bool writing_ = false, stopping_ = false;
  std::atomic<uint64_t> groups_{0}, applied_{0}, failed_{0};
  std::thread thread_;
};

}  // namespace tepui::checkpoint
