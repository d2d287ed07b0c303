// The services daemon's durable state: collections of JSON documents by id
// over a registry::Store (the embedded SQLite store, or ZooKeeper with
// --zk), written through a registry::Registrar so that the daemon's loop
// never waits on a disk or a network.
//
// Collections: apps (each app's current definition and its versions, the
// oldest dropped beyond `maxVersions`), groups, deployments and instances,
// and the framework id. Documents are opaque here: nothing reads them
// beyond the id they are filed under (and an app version's id).
//
// Contract:
// - load() reads everything the store holds; it blocks (ZooKeeper reads),
//   so the daemon calls it off its loop when its leadership starts, and
//   only then hands the store to the registrar.
// - commit(change) applies a Change (any mix of puts and erases) to the
//   in-memory view at once and queues it as ONE atomic store write; `done`
//   runs on the loop once it is durable (or has failed). Callers act on a
//   change (answer a request, acknowledge a status update) only in `done`.
//   Reads see committed changes immediately, durable or not yet.
// - A failed write leaves the memory ahead of the store: the repository
//   then refuses every later commit (their `done` gets the error) and calls
//   onFailure once; the daemon stops leading, and the next leader loads
//   what the store really holds.
// - Fencing: every write also bumps the key "leader/fence", expecting the
//   version this repository last wrote (or loaded). A leader that loaded
//   the state after this one makes its first write (claim()) bump it, so
//   any later write of this stale one fails as a version conflict instead
//   of overwriting the new leader's state, however late it learns that it
//   lost its lead.
// - Layout (never one big node): one key per document, each key's parts
//   escaped (every byte outside [A-Za-z0-9_.-] as %XX) so that any app
//   path is a valid key, spread over 64 directories per collection by a
//   hash of the id (an app's versions share the directory of the app), so
//   that thousands of apps never make one huge ZooKeeper children list.
//
// Threading: everything but load() runs on the daemon's loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "registry/registrar.hpp"
#include "registry/store.hpp"

namespace tepui::services {

enum class Collection { kGroups, kDeployments, kInstances };

struct RepositoryOptions {
  size_t maxVersions = 50;  // per app, at least 1
};

class Repository {
 public:
  using Done = std::function<void(const Status&)>;

  // A set of changes written atomically, applied in the order given.
  class Change {
   public:
    // Makes `app` the current definition of `id` and records it as its
    // version `version` (replacing a version of that id).
    void putApp(const std::string& id, const std::string& version, boost::json::value app);
    void eraseApp(const std::string& id);  // with every version
    void put(Collection collection, const std::string& id, boost::json::value doc);
    void erase(Collection collection, const std::string& id);
    void setFrameworkId(const std::string& id);
    bool empty() const { return ops_.empty(); }

   private:
    friend class Repository;
    enum class Kind { kPutApp, kEraseApp, kPut, kErase, kFrameworkId };
    struct Op {
      Kind kind;
      Collection collection = Collection::kGroups;
      std::string id, version;
      boost::json::value doc;
    };
    std::vector<Op> ops_;
  };

  static Result<std::unique_ptr<Repository>> load(boost::asio::io_context& io, std::unique_ptr<registry::Store> store,
                                                  RepositoryOptions options = {});
  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  void commit(Change change, Done done);
  // The first write of a term: the fence alone. Lead only once it is durable.
  void claim(Done done) { commit(Change(), std::move(done)); }
  void onFailure(std::function<void(const std::string& why)> callback) { onFailure_ = std::move(callback); }
  bool failed() const { return failed_; }

  // Reads (nullptr / empty when absent).
  const boost::json::value* app(const std::string& id) const;
  std::vector<std::string> appIds() const;
  std::vector<std::string> appVersions(const std::string& id) const;  // oldest first
  const boost::json::value* appVersion(const std::string& id, const std::string& version) const;
  const boost::json::value* get(Collection collection, const std::string& id) const;
  const std::map<std::string, boost::json::value>& all(Collection collection) const;
  const std::string& frameworkId() const { return frameworkId_; }

  // For /metrics.
  uint64_t commits() const { return commits_; }
  size_t pendingWrites() const { return registrar_ ? registrar_->queued() : 0; }

 private:
  struct Version {
    uint64_t seq;
    std::string version;
    boost::json::value doc;
  };
  struct App {
    boost::json::value current;
    std::vector<Version> versions;  // oldest first
    uint64_t nextSeq = 1;
  };

  Repository(boost::asio::io_context& io, RepositoryOptions options);
  Status read(registry::Store& store);
  void apply(Change::Op& op, std::vector<registry::Write>& batch);

  boost::asio::io_context& io_;
  RepositoryOptions options_;
  std::map<std::string, App> apps_;
  std::map<Collection, std::map<std::string, boost::json::value>> docs_;
  std::string frameworkId_;
  bool failed_ = false;
  std::string failure_;
  uint64_t commits_ = 0;
  uint64_t fenceVersion_ = 0;  // of "leader/fence" after the writes queued so far
  std::function<void(const std::string&)> onFailure_;
  std::unique_ptr<registry::Registrar> registrar_;  // last: its thread stops first
};

// The escaping of key parts (exposed for tests): bytes outside
// [A-Za-z0-9_.-] as %XX; unescapeKeyPart() returns nullopt on a malformed
// escape.
std::string escapeKeyPart(const std::string& s);
std::optional<std::string> unescapeKeyPart(const std::string& s);

}  // namespace tepui::services
