// The durable key-value store under the master's registry.
//
// Contract:
// - Keys are strings; each holds a byte string and a version, 1 for a new
//   key and +1 on every write. A key that does not exist has version 0.
// - apply() takes a batch of writes and applies all of them or none,
//   atomically and durably: when it returns success the batch survives a
//   crash of the process or the machine, and a reader never sees part of
//   it. A write may name the version it expects the key to have now
//   (0: must not exist); any mismatch fails the whole batch with a
//   Conflict, which is how a stale master finds out it lost its lead.
// - Calls are synchronous and may block on the disk or the network: the
//   registrar calls them off the master's event loop. An implementation is
//   used from one thread at a time.
//
// Implementations: an embedded store in a single file (embedded_store.cpp,
// SQLite), and ZooKeeper (zookeeper_store.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace tepui::registry {

struct Entry {
  std::string key;
  std::string value;
  uint64_t version = 0;
};

struct Write {
  enum class Kind { PUT, ERASE };
  Kind kind = Kind::PUT;
  std::string key;
  std::string value;                        // PUT only
  std::optional<uint64_t> expectedVersion;  // checked when set; 0 = must not exist
};

// The message of an error apply() returns when an expected version did not
// match begins with this.
inline constexpr char kConflict[] = "version conflict";

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::optional<Entry>> get(const std::string& key) = 0;
  // Every entry whose key starts with `prefix`, sorted by key.
  virtual Result<std::vector<Entry>> list(const std::string& prefix) = 0;
  // The keys alone of those entries, sorted; a store may answer this
  // without reading any value (ZooKeeper: a children listing).
  virtual Result<std::vector<std::string>> keys(const std::string& prefix) { return keysOf(list(prefix)); }

 protected:
  static Result<std::vector<std::string>> keysOf(Result<std::vector<Entry>> entries) {
    if (!entries) return entries.error();
    std::vector<std::string> out;
    out.reserve(entries->size());
    for (Entry& e : *entries) out.push_back(std::move(e.key));
    return out;
  }

 public:
  // The new version of each written key (0 for an ERASE), in batch order.
  virtual Result<std::vector<uint64_t>> apply(const std::vector<Write>& batch) = 0;
  // How many bytes of keys and values one apply() may carry; the registrar
  // merges queued batches only up to this.
  virtual size_t maxBatchBytes() const { return SIZE_MAX; }
};

// The embedded store: one SQLite database file at `path` (created with its
// directory if absent), in WAL mode with synchronous=FULL, so that a commit
// is fsync'ed before apply() returns.
Result<std::unique_ptr<Store>> openEmbeddedStore(const std::string& path);

// The ZooKeeper store at `url` ("zk://host:port[,host:port]/path"): one
// znode per key under <path>/registry, a batch as one multi-operation.
// Fails if no session is established within `sessionTimeout`.
Result<std::unique_ptr<Store>> openZooKeeperStore(const std::string& url, std::chrono::milliseconds sessionTimeout);

}  // namespace tepui::registry
