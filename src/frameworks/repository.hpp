// A framework daemon's durable state (tepui services, tepui jobs):
// collections of JSON documents by id over a registry::Store (the embedded
// SQLite store, or ZooKeeper with --zk), written through a
// registry::Registrar so that the daemon's loop never waits on a disk or a
// network.
//
// Collections are named by short strings ([a-z_]+, none ending in
// "_versions"); they need no declaration, and a collection nobody wrote to
// is empty. A document of a versioned collection also keeps its versions
// (putVersioned), the oldest dropped beyond the collection's maxVersions.
// Plus the framework id. Documents are opaque here: nothing reads them
// beyond the id they are filed under (and a version's id).
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
// - Layout (never one big node): a document is the key
//   "<collection>.<hh>/<id>", a version "<versions>.<hh>/<id>@<seq>@<version>"
//   (<versions> as the collection's Versioning says, by default
//   "<collection>_versions"; <seq> orders them). Each key's parts are
//   escaped (every byte outside [A-Za-z0-9_.-] as %XX) so that any id is a
//   valid key; <hh> is one of 64 directories by a hash of the id (a
//   document's versions share its directory), so that thousands of
//   documents never make one huge ZooKeeper children list.
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

namespace tepui::frameworks {

// How a versioned collection keeps its versions.
struct Versioning {
  std::string directory;    // of the version keys; empty: "<collection>_versions"
  size_t maxVersions = 50;  // per document, at least 1
};

struct RepositoryOptions {
  // The versioned collections; one not named here that gets a version
  // written keeps the defaults.
  std::map<std::string, Versioning> versioned;
  // Names the state in messages ("the services state").
  std::string name = "state";
};

class Repository {
 public:
  using Done = std::function<void(const Status&)>;

  // A set of changes written atomically, applied in the order given.
  class Change {
   public:
    void put(const std::string& collection, const std::string& id, boost::json::value doc);
    void erase(const std::string& collection, const std::string& id);
    // Makes `doc` the current document `id` of `collection` and records it
    // as its version `version` (replacing a version of that id).
    void putVersioned(const std::string& collection, const std::string& id, const std::string& version,
                      boost::json::value doc);
    void eraseVersioned(const std::string& collection, const std::string& id);  // with every version
    void setFrameworkId(const std::string& id);
    bool empty() const { return ops_.empty(); }

   private:
    friend class Repository;
    enum class Kind { kPutVersioned, kEraseVersioned, kPut, kErase, kFrameworkId };
    struct Op {
      Kind kind;
      std::string collection, id, version;
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

  // Reads (nullptr / empty when absent). A versioned collection's current
  // documents read as any other's.
  const boost::json::value* get(const std::string& collection, const std::string& id) const;
  // The reference stays valid for the repository's life and sees later
  // commits, even to a collection that was empty when asked for.
  const std::map<std::string, boost::json::value>& all(const std::string& collection) const;
  std::vector<std::string> ids(const std::string& collection) const;  // sorted
  // The versions of a document of a versioned collection, oldest first.
  std::vector<std::string> versions(const std::string& collection, const std::string& id) const;
  const boost::json::value* version(const std::string& collection, const std::string& id,
                                    const std::string& version) const;
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
  struct History {
    std::vector<Version> versions;  // oldest first
    uint64_t nextSeq = 1;
  };

  Repository(boost::asio::io_context& io, RepositoryOptions options);
  Status read(registry::Store& store);
  Status readVersion(const registry::Entry& entry, const std::string& collection);
  void apply(Change::Op& op, std::vector<registry::Write>& batch);
  void applyPutVersioned(Change::Op& op, std::vector<registry::Write>& batch);
  Versioning versioning(const std::string& collection) const;
  const History* history(const std::string& collection, const std::string& id) const;
  std::string versionKey(const std::string& collection, const std::string& id, const Version& v) const;

  boost::asio::io_context& io_;
  RepositoryOptions options_;
  // By collection, then id; all() adds an empty collection it is asked for.
  mutable std::map<std::string, std::map<std::string, boost::json::value>> docs_;
  std::map<std::string, std::map<std::string, History>> histories_;  // likewise
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

}  // namespace tepui::frameworks
