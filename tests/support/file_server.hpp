// Test support for the fetcher's tests (unit and cluster): an HTTP file
// server on 127.0.0.1 (the project's own http::Server on its own loop
// thread) that counts the requests for each path and can delay or stall its
// answers, and archives (.tar.gz, .zip) made with libarchive.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/server.hpp"

namespace tepui::testing {

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Serves files, redirects and 404s, and counts the requests for each path.
class FileServer {
 public:
  FileServer() : work_(boost::asio::make_work_guard(io_)), server_(io_) {
    server_.fallback(
        [this](http::Request& request, http::Responder responder) { serve(request, std::move(responder)); });
    auto listening = server_.listen("127.0.0.1", 0);
    EXPECT_TRUE(listening) << listening.error().message;
    thread_ = std::thread([this] { io_.run(); });
  }
  // Answers whatever is still waiting (delayed or stalled) and stops.
  ~FileServer() {
    boost::asio::post(io_, [this] {
      for (auto& timer : timers_) timer->cancel();
      server_.stop();
      work_.reset();
    });
    thread_.join();
  }

  void add(const std::string& path, std::string body) {
    std::lock_guard lock(mutex_);
    files_[path] = std::move(body);
  }
  void redirect(const std::string& from, const std::string& to) {
    std::lock_guard lock(mutex_);
    redirects_[from] = to;
  }
  // Every answer waits this long, so that concurrent fetchers overlap.
  void delayAnswers(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    delay_ = delay;
  }
  // Requests for `path` get no answer until the server stops.
  void stall(const std::string& path) {
    std::lock_guard lock(mutex_);
    stalled_.insert(path);
  }
  int requests(const std::string& path) {
    std::lock_guard lock(mutex_);
    return counts_[path];
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server_.port()) + path; }

 private:
  void serve(http::Request& request, http::Responder responder) {
    std::unique_lock lock(mutex_);
    counts_[request.path]++;
    http::Response response = http::Response::text(404, "no such file\n");
    if (auto r = redirects_.find(request.path); r != redirects_.end()) {
      response = http::Response::empty(302);
      response.headers["Location"] = r->second;
    } else if (auto f = files_.find(request.path); f != files_.end()) {
      response = http::Response::empty(200);
      response.headers["Content-Type"] = "application/octet-stream";
      response.body = f->second;
    }
    auto delay = stalled_.count(request.path) ? std::chrono::hours(24) : delay_;
    lock.unlock();
    if (delay == std::chrono::milliseconds(0)) return responder.respond(std::move(response));
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
    timers_.push_back(timer);
    timer->async_wait([timer, responder = std::move(responder), response = std::move(response)](
                          const boost::system::error_code&) mutable { responder.respond(std::move(response)); });
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  http::Server server_;
  std::thread thread_;
  std::mutex mutex_;
  std::map<std::string, std::string> files_, redirects_;
  std::map<std::string, int> counts_;
  std::set<std::string> stalled_;
  std::chrono::milliseconds delay_{0};
  std::vector<std::shared_ptr<boost::asio::steady_timer>> timers_;  // the loop's own
};

struct ArchiveMember {
  std::string name;
  std::string content;
};

// The bytes of a .tar.gz (or a .zip) of regular files, made with libarchive
// in `scratch`.
inline std::string makeArchive(const std::filesystem::path& scratch, bool zip,
                               const std::vector<ArchiveMember>& members) {
  std::filesystem::path path = scratch / "made-archive";
  archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
  }
  EXPECT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& m : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, m.name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(m.content.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    EXPECT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << archive_error_string(a);
    archive_write_data(a, m.content.data(), m.content.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  std::string bytes = slurp(path);
  std::filesystem::remove(path);
  return bytes;
}

}  // namespace tepui::testing
