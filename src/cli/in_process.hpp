// Runs a daemon (Master, Agent) on its own thread and io_context, as
// `tepui local` does and as the in-process cluster tests do: the daemon is
// built on its loop thread, so everything it owns lives on that loop.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "common/logging.hpp"
#include "common/result.hpp"

namespace tepui::cli {

template <typename Daemon>
class InProcess {
 public:
  InProcess() = default;
  InProcess(const InProcess&) = delete;
  InProcess& operator=(const InProcess&) = delete;
  ~InProcess() { stop(); }

  // `make(io)` returns Result<std::unique_ptr<Daemon>>. Returns once the
  // daemon is up (listening), or with its error.
  template <typename Make>
  Status start(const std::string& component, Make make) {
    std::promise<Status> ready;
    thread_ = std::thread([this, &ready, component, make] {
      logging::setComponent(component);
      auto created = make(io_);
      if (!created) {
        ready.set_value(created.error());
        return;
      }
      daemon_ = std::move(*created);
      ready.set_value(okStatus());
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
    Status s = ready.get_future().get();
    if (!s) thread_.join();
    return s;
  }

  // Runs `fn(daemon)` on the daemon's loop and waits for its result.
  template <typename Fn>
  auto call(Fn fn) {
    std::packaged_task<decltype(fn(std::declval<Daemon&>()))()> task([this, &fn] { return fn(*daemon_); });
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // Stops the daemon on its loop, then the loop, and joins the thread.
  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] {
      if (daemon_) daemon_->stop();
      io_.stop();
    });
    thread_.join();
    daemon_.reset();
  }

  boost::asio::io_context& io() { return io_; }
  Daemon* operator->() { return daemon_.get(); }
  bool running() const { return thread_.joinable(); }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<Daemon> daemon_;
  std::thread thread_;
};

}  // namespace tepui::cli
