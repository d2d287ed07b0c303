// The Registrar: the one way the master changes its durable state.
//
// Contract:
// - apply() queues a batch of writes; batches are written to the Store in
//   the order they were queued, on the registrar's own thread, so the
//   master's event loop never waits on a disk or a network. Each batch's
//   `done` runs on the master's io_context once the batch is durable (or
//   has failed), in queue order; the master acts on a change only then.
// - Batches that queue up while a write is in progress go to the Store
//   together, as one atomic write (one fsync for many changes). If that
//   combined write fails, each batch is retried alone, so that one bad
//   batch (a version conflict) fails only its own `done`.
// - The master reads what the store holds before it hands the store to the
//   registrar (master/registry.cpp); from then on only the registrar's
//   thread uses it.
// - Destroying the registrar waits for the write in progress; `done`s not
//   yet run are dropped (the master is going away).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "registry/store.hpp"

namespace tepui::registry {

class Registrar {
 public:
  Registrar(boost::asio::io_context& io, std::unique_ptr<Store> store);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  void apply(std::vector<Write> batch, std::function<void(const Status&)> done);

  uint64_t batchesWritten() const { return written_; }  // Store writes, merged batches counting once
  // For metrics: batches applied whose write has not finished yet, and how
  // long the last Store write took (none before the first).
  size_t queued() const { return queued_; }
  std::optional<double> lastStoreMs() const;

 private:
  struct Pending {
    std::vector<Write> batch;
    std::function<void(const Status&)> done;
  };
  void run();
  // Writes the batches (together, or one by one if that fails) and posts
  // their outcomes.
  void write(std::vector<Pending> pending);

  boost::asio::io_context& io_;
  std::unique_ptr<Store> store_;
  // Cleared by the destructor: outcomes posted but not yet run are dropped.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  std::mutex mutex_;  // the queue and stopping_: held only briefly
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> written_{0};
  std::atomic<size_t> queued_{0};
  std::atomic<double> lastStoreMs_{-1};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace tepui::registry
