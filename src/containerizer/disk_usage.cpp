// disk/du measurements off the loop (disk_usage.hpp).
#include "containerizer/disk_usage.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <filesystem>

namespace tepui::containerizer {

namespace fs = std::filesystem;

uint64_t diskUsage(const std::string& dir) {
  struct stat top {};
  if (::lstat(dir.c_str(), &top) < 0) return 0;
  uint64_t bytes = static_cast<uint64_t>(top.st_blocks) * 512;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) < 0) continue;
    if (st.st_dev != top.st_dev) {  // a mount inside the sandbox: not the sandbox's disk
      if (S_ISDIR(st.st_mode)) it.disable_recursion_pending();
      continue;
    }
    bytes += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return bytes;
}

DiskUsageWatcher::DiskUsageWatcher(boost::asio::io_context& io, Seconds interval,
                                   std::function<void(const std::string&, uint64_t)> onMeasured)
    : io_(io), interval_(interval), onMeasured_(std::move(onMeasured)), timer_(io) {
  thread_ = std::thread([this] { worker(); });
  schedule();
}

DiskUsageWatcher::~DiskUsageWatcher() {
  *alive_ = false;
  timer_.cancel();
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DiskUsageWatcher::watch(const std::string& containerId, const std::string& sandbox) {
  sandboxes_[containerId] = sandbox;
}

void DiskUsageWatcher::unwatch(const std::string& containerId) {
  sandboxes_.erase(containerId);
  used_.erase(containerId);
}

std::optional<uint64_t> DiskUsageWatcher::used(const std::string& containerId) const {
  auto it = used_.find(containerId);
  if (it == used_.end()) return std::nullopt;
  return it->second;
}

void DiskUsageWatcher::schedule() {
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval_));
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    measureAll();
    schedule();
  });
}

void DiskUsageWatcher::measureAll() {
  std::lock_guard lock(mutex_);
  if (busy_ || sandboxes_.empty()) return;  // a slow round is not stacked on
  queue_.assign(sandboxes_.begin(), sandboxes_.end());
  busy_ = true;
  wake_.notify_all();
}

void DiskUsageWatcher::worker() {
  for (;;) {
    std::vector<std::pair<std::string, std::string>> round;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      round.swap(queue_);
    }
    std::vector<std::pair<std::string, uint64_t>> results;
    for (auto& [containerId, sandbox] : round) results.emplace_back(containerId, diskUsage(sandbox));
    boost::asio::post(io_, [this, alive = alive_, results = std::move(results)] {
      if (!*alive) return;
      {
        std::lock_guard lock(mutex_);
        busy_ = false;
      }
      for (auto& [containerId, bytes] : results) {
        if (!sandboxes_.count(containerId)) continue;  // it ended meanwhile
        used_[containerId] = bytes;
        onMeasured_(containerId, bytes);
      }
    });
  }
}

}  // namespace tepui::containerizer
