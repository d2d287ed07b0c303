// A ZooKeeper session for the registry and leader election, over the
// multi-threaded C client (libzookeeper_mt): synchronous calls that return
// Results, and an event callback for the session's state and watches.
//
// Contract:
// - connect() blocks until the session is established or the timeout
//   passes. The client reconnects by itself after a connection loss; once
//   the session has expired, every call fails and expired() is true (a new
//   ZooKeeper object is needed). The callback runs on the client's own
//   thread: it must hand work over to its owner's loop, never block.
// - Paths are absolute znode paths. Data is bytes.
// - parseUrl() reads Mesos's form "zk://host:port[,host:port...]/path".
#pragma once

// The C client declares its synchronous calls only for the multi-threaded
// library, which it recognises by this macro.
#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace tepui::registry {

struct ZooKeeperUrl {
  std::string hosts;  // "host:port,host:port"
  std::string path;   // "/tepui", never ending in '/' (the root is "")
};
Result<ZooKeeperUrl> parseZooKeeperUrl(const std::string& url);

class ZooKeeper {
 public:
  // Session events and watches: (type, state, path), ZooKeeper's constants
  // (ZOO_SESSION_EVENT, ZOO_CHILD_EVENT, ...; ZOO_CONNECTED_STATE, ...).
  using Callback = std::function<void(int type, int state, const std::string& path)>;

  static Result<std::unique_ptr<ZooKeeper>> connect(const std::string& hosts, std::chrono::milliseconds sessionTimeout,
                                                    Callback callback = {});
  ~ZooKeeper();
  ZooKeeper(const ZooKeeper&) = delete;
  ZooKeeper& operator=(const ZooKeeper&) = delete;

  bool expired() const { return expired_; }
  // How long the client has been without a connection to any server (zero
  // while connected). Past the session timeout, the servers have expired
  // the session even if the client has not heard yet.
  std::chrono::milliseconds disconnectedFor() const;
  int64_t sessionId() const;

  struct Node {
    std::string data;
    int32_t version = 0;  // ZooKeeper's: 0 when created
  };
  // Nullopt when there is no such node. With `watch`, the callback hears of
  // its next change (or creation).
  Result<std::optional<Node>> get(const std::string& path, bool watch = false);
  // Reads many nodes at once: the requests are pipelined (all sent before
  // the first answer is awaited), so N nodes cost about one round trip, not
  // N. Each slot is nullopt when there is no such node. Blocks the caller
  // until every answer is in.
  Result<std::vector<std::optional<Node>>> getMany(const std::vector<std::string>& paths);
  Result<std::vector<std::string>> children(const std::string& path, bool watch = false);
  // Creates the node (mode: 0, ZOO_EPHEMERAL, ZOO_SEQUENCE, ...); returns
  // its path (with the sequence number appended for sequential nodes).
  Result<std::string> create(const std::string& path, const std::string& data, int mode);
  // Creates `path` and its missing ancestors as empty persistent nodes.
  Status ensure(const std::string& path);
  Status remove(const std::string& path, int version = -1);

  // One operation of an atomic multi().
  struct Op {
    enum class Kind { CREATE, SET, REMOVE, CHECK };
    Kind kind;
    std::string path;
    std::string data;  // CREATE, SET
    int version = -1;  // SET, REMOVE, CHECK; -1: any
  };
  // All or nothing; the new versions (SET) or 0. On failure, the error
  // names the first failing op and ZooKeeper's reason, and `failure` (if
  // given) gets its index and ZooKeeper's code.
  struct Failure {
    size_t index = 0;
    int code = 0;
  };
  Result<std::vector<int32_t>> multi(const std::vector<Op>& ops, Failure* failure = nullptr);

  static std::string errorText(int code);

 private:
  ZooKeeper() = default;
  static void onEvent(zhandle_t* zh, int type, int state, const char* path, void* context);

  zhandle_t* handle_ = nullptr;
  Callback callback_;
  std::atomic<bool> expired_{false};
  std::atomic<bool> connected_{false};
  std::atomic<int64_t> disconnectedAtMs_{0};  // steady clock; 0 while connected
};

}  // namespace tepui::registry
