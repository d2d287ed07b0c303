// Finding the leading master; see leading_master.hpp.
#include "cli/leading_master.hpp"

#include <condition_variable>
#include <mutex>

#include "http/client.hpp"
#include "registry/election.hpp"
#include "registry/leader_address.hpp"

namespace tepui::cli {

namespace {

Result<http::Endpoint> electedLeader(const std::string& url, std::chrono::milliseconds wait) {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<std::string> leader;
  auto detector = registry::Detector::watch(url, wait, [&](const std::optional<std::string>& info) {
    std::lock_guard lock(mutex);
    leader = info;
    changed.notify_all();
  });
  if (!detector) return detector.error().context("cannot find the leading master at '" + url + "'");
  std::unique_lock lock(mutex);
  if (!changed.wait_for(lock, wait, [&] { return leader.has_value(); })) {
    return Error("no master leads at '" + url + "' (waited " + std::to_string(wait.count() / 1000) + "s)");
  }
  auto endpoint = registry::leaderEndpoint(*leader);
  if (!endpoint) return Error("the leading master at '" + url + "' published an unreadable MasterInfo: " + *leader);
  return *endpoint;
}

// "//host:port" or "http://host:port/..." of a Location header.
std::optional<http::Endpoint> locationEndpoint(std::string location) {
  if (location.rfind("http://", 0) == 0) location = location.substr(5);
  if (location.rfind("//", 0) != 0) return std::nullopt;
  location = location.substr(2);
  return http::parseEndpoint(location.substr(0, location.find('/')));
}

}  // namespace

Result<http::Endpoint> findLeadingMaster(const std::string& master, std::chrono::milliseconds wait) {
  if (master.rfind("zk://", 0) == 0) return electedLeader(master, wait);
  auto endpoint = http::parseEndpoint(master);
  if (!endpoint) return Error("invalid --master '" + master + "': expected host:port or zk://host:port/path");
  http::Request request;
  request.method = "GET";
  request.target = "/master/redirect";
  auto response = http::fetch(*endpoint, request, std::chrono::milliseconds(5000));
  if (!response) return *endpoint;
  if (response->status == 503) return Error("no master leads at the moment (asked " + master + ")");
  if (response->status != 307) return *endpoint;
  auto it = response->headers.find("Location");
  auto leader = it == response->headers.end() ? std::nullopt : locationEndpoint(it->second);
  return leader ? *leader : *endpoint;
}

}  // namespace tepui::cli
