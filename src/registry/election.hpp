// Leader election and detection over ZooKeeper, in Mesos's format: each
// master contends with an ephemeral sequential znode "json.info_NNNNNNNNNN"
// under the election path, holding its MasterInfo as JSON; the lowest
// sequence leads. Tools that find a Mesos leader find ours the same way.
//
// Contract:
// - Contender: join() creates this master's znode. `onElected` runs once,
//   when the znode becomes the lowest; `onLost` runs once, when this
//   contender can no longer be sure it leads or will lead (its session
//   expired, or its znode is gone): a leader must stop leading at once.
//   A contender watches only its predecessor, so a leader change wakes one
//   contender, not all.
// - Detector: `onChange` runs with the leader's MasterInfo JSON (nullopt
//   when there is none) at start and whenever that changes.
// - Callbacks run on the object's own thread (never ZooKeeper's, whose
//   thread must not block): hand work over to your loop. Destroying the
//   object stops its thread, closes its session (a contender's znode goes
//   with it) and runs no more callbacks.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "registry/zookeeper.hpp"

namespace tepui::registry {

// The election's members, lowest sequence first: "json.info_" znodes
// (and "info_" ones of older Mesos masters, which are ignored).
std::vector<std::string> electionMembers(const std::vector<std::string>& children);

// Runs `step` on its own thread whenever poke() was called since the last
// run (coalesced), and at least every second, until stopped or destroyed;
// the shared machinery of both.
class Poller {
 public:
  explicit Poller(std::function<void()> step);
  ~Poller();
  void poke();
  void stop();

 private:
  std::function<void()> step_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

class Contender {
 public:
  struct Callbacks {
    std::function<void()> onElected;
    std::function<void(const std::string& why)> onLost;
  };
  static Result<std::unique_ptr<Contender>> join(const std::string& url, std::chrono::milliseconds sessionTimeout,
                                                 const std::string& infoJson, Callbacks callbacks);
  ~Contender();
  const std::string& znode() const { return znode_; }

 private:
  Contender() = default;
  void check();

  std::unique_ptr<ZooKeeper> zk_;
  std::string path_, znode_;
  std::chrono::milliseconds timeout_{0};
  Callbacks callbacks_;
  bool elected_ = false, lost_ = false;
  // Set once zk_ and znode_ are: the poller's thread may run check() (on its
  // one-second tick, or poked by the session's first event) while join() is
  // still creating the znode, and must not take the missing znode for a lost one.
  std::atomic<bool> joined_{false};
  std::unique_ptr<Poller> poller_;  // last: stops before the rest goes
};

class Detector {
 public:
  using OnChange = std::function<void(const std::optional<std::string>& leaderInfoJson)>;
  static Result<std::unique_ptr<Detector>> watch(const std::string& url, std::chrono::milliseconds sessionTimeout,
                                                 OnChange onChange);
  ~Detector();

 private:
  Detector() = default;
  void check();

  std::string hosts_, path_;
  std::chrono::milliseconds sessionTimeout_{0};
  std::unique_ptr<ZooKeeper> zk_;
  OnChange onChange_;
  std::optional<std::optional<std::string>> last_;  // unset until the first report
  std::unique_ptr<Poller> poller_;
};

}  // namespace tepui::registry
