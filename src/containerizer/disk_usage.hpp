// The disk/du isolator's measurements: every interval, each watched
// container's sandbox is walked on a thread of its own (the files' blocks
// summed, symbolic links, and so persistent volumes, not followed, other
// filesystems not entered), and the results come back on the loop, where
// onMeasured(containerId, bytes) runs. Nothing here blocks the loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/duration.hpp"

namespace tepui::containerizer {

// Bytes the files under `dir` take on disk (their blocks), not following
// symbolic links nor crossing into other filesystems.
uint64_t diskUsage(const std::string& dir);

class DiskUsageWatcher {
 public:
  DiskUsageWatcher(boost::asio::io_context& io, Seconds interval,
                   std::function<void(const std::string& containerId, uint64_t bytes)> onMeasured);
  ~DiskUsageWatcher();
  DiskUsageWatcher(const DiskUsageWatcher&) = delete;
  DiskUsageWatcher& operator=(const DiskUsageWatcher&) = delete;

  void watch(const std::string& containerId, const std::string& sandbox);
  void unwatch(const std::string& containerId);
  // The last measurement, if one was made.
  std::optional<uint64_t> used(const std::string& containerId) const;

 private:
  void schedule();
  void measureAll();
  void worker();

  boost::asio::io_context& io_;
  Seconds interval_;
  std::function<void(const std::string&, uint64_t)> onMeasured_;
  boost::asio::steady_timer timer_;
  std::map<std::string, std::string> sandboxes_;  // on the loop
  std::map<std::string, uint64_t> used_;          // on the loop

  std::mutex mutex_;  // guards the worker's queue and stop flag
  std::condition_variable wake_;
  std::vector<std::pair<std::string, std::string>> queue_;
  bool busy_ = false;  // a round is being measured: the next waits
  bool stop_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::thread thread_;
};

}  // namespace tepui::containerizer
