// The Registrar; see registrar.hpp.
#include "registry/registrar.hpp"

#include <boost/asio/post.hpp>
#include <chrono>

namespace tepui::registry {

Registrar::Registrar(boost::asio::io_context& io, std::unique_ptr<Store> store)
    : io_(io), store_(std::move(store)), thread_([this] { run(); }) {}

Registrar::~Registrar() {
  *alive_ = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Registrar::apply(std::vector<Write> batch, std::function<void(const Status&)> done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Pending{std::move(batch), std::move(done)});
  }
  ++queued_;
  wake_.notify_one();
}

void Registrar::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::vector<Pending> pending(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    // Written without holding the queue: apply() never waits for a disk
    // or for ZooKeeper.
    lock.unlock();
    write(std::move(pending));
    lock.lock();
  }
}

void Registrar::write(std::vector<Pending> pending) {
  auto one = [&](const std::vector<Write>& batch) {
    auto start = std::chrono::steady_clock::now();
    auto r = store_->apply(batch);
    lastStoreMs_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ++written_;
    return r ? okStatus() : Status(r.error());
  };
  auto bytes = [](const std::vector<Write>& batch) {
    size_t n = 0;
    for (const Write& w : batch) n += w.key.size() + w.value.size();
    return n;
  };
  std::vector<Status> outcomes(pending.size(), okStatus());
  // Consecutive batches go together while they fit in one store write.
  for (size_t begin = 0; begin < pending.size();) {
    size_t end = begin + 1, size = bytes(pending[begin].batch);
    while (end < pending.size() && size + bytes(pending[end].batch) <= store_->maxBatchBytes()) {
      size += bytes(pending[end++].batch);
    }
    bool together = false;
    if (end - begin > 1) {
      std::vector<Write> all;
      for (size_t i = begin; i < end; ++i) all.insert(all.end(), pending[i].batch.begin(), pending[i].batch.end());
      together = one(all).ok();
    }
    for (size_t i = begin; i < end && !together; ++i) outcomes[i] = one(pending[i].batch);
    begin = end;
  }
  queued_ -= pending.size();
  for (size_t i = 0; i < pending.size(); ++i) {
    boost::asio::post(io_, [alive = alive_, done = std::move(pending[i].done), outcome = outcomes[i]] {
      if (*alive && done) done(outcome);
    });
  }
}

std::optional<double> Registrar::lastStoreMs() const {
  double ms = lastStoreMs_;
  return ms < 0 ? std::nullopt : std::optional<double>(ms);
}

}  // namespace tepui::registry
