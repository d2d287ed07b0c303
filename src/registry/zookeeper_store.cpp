// The ZooKeeper Store: one znode per key, a batch as one multi-operation.
//
// Layout: key "<dir>/<name>" lives at <root>/registry/<dir>/<name>, both
// parts escaped (every byte outside [A-Za-z0-9_-] as %XX, so "/", "." and
// ".." never reach a path); a key without '/' lives under the directory
// "%". One znode per record keeps each far below ZooKeeper's 1 MB limit
// however many agents there are, and a directory's children list stays
// one call.
//
// Versions: ours are ZooKeeper's plus one (ZooKeeper counts from 0 at
// creation). An expected version becomes a versioned setData/delete or a
// create (expected absent) inside the multi, so compare-and-set is
// ZooKeeper's own. Writes without an expectation are created or set
// according to a read just before; if another writer races them the multi
// fails and is tried again.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "registry/store.hpp"
#include "registry/zookeeper.hpp"

namespace tepui::registry {

namespace {

constexpr char kNoDir[] = "%";
// ZooKeeper refuses requests above jute.maxbuffer (1 MB by default).
constexpr size_t kMaxBatchBytes = 512 * 1024;

std::string escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

class ZooKeeperStore final : public Store {
 public:
  ZooKeeperStore(std::unique_ptr<ZooKeeper> zk, std::string root) : zk_(std::move(zk)), root_(std::move(root)) {}

  Status init() { return zk_->ensure(root_); }

  Result<std::optional<Entry>> get(const std::string& key) override {
    auto node = zk_->get(pathOf(key));
    if (!node) return node.error();
    if (!*node) return std::optional<Entry>();
    return std::optional<Entry>(Entry{key, (*node)->data, static_cast<uint64_t>((*node)->version) + 1});
  }

  Result<std::vector<Entry>> list(const std::string& prefix) override { return walk(prefix, true); }

  // The names only: one children listing per directory, no read per key.
  Result<std::vector<std::string>> keys(const std::string& prefix) override { return keysOf(walk(prefix, false)); }

  Result<std::vector<uint64_t>> apply(const std::vector<Write>& batch) override {
    for (int attempt = 0;; ++attempt) {
      std::vector<ZooKeeper::Op> ops;
      std::vector<bool> expected;  // per op: from an expected version
      std::vector<uint64_t> versions;
      if (auto s = plan(batch, ops, expected, versions); !s) return s.error();
      ZooKeeper::Failure failure;
      auto done = zk_->multi(ops, &failure);
      if (done) return versions;
      bool raced = failure.code == ZNODEEXISTS || failure.code == ZNONODE || failure.code == ZBADVERSION;
      if (raced && failure.index < expected.size() && expected[failure.index]) {
        return Error(std::string(kConflict) + ": " + done.error().message);
      }
      if (!raced || attempt == 3) return done.error();
    }
  }

  size_t maxBatchBytes() const override { return kMaxBatchBytes; }

 private:
  std::string dirOf(const std::string& key) const {
    auto slash = key.find('/');
    return root_ + "/" + (slash == std::string::npos ? std::string(kNoDir) : escape(key.substr(0, slash)));
  }
  // Every key under `prefix`, sorted, with its value and version when
  // `values` (one pipelined read per directory), else the keys alone.
  Result<std::vector<Entry>> walk(const std::string& prefix, bool values) {
    auto dirs = zk_->children(root_);
    if (!dirs) return dirs.error();
    std::vector<Entry> out;
    for (const std::string& dir : *dirs) {
      std::string dirKey = dir == kNoDir ? "" : unescape(dir) + "/";
      // Skip directories none of whose keys can start with the prefix.
      size_t common = std::min(prefix.size(), dirKey.size());
      if (dir != kNoDir && prefix.compare(0, common, dirKey, 0, common) != 0) continue;
      auto names = zk_->children(root_ + "/" + dir);
      if (!names) return names.error();
      std::vector<std::string> keys, paths;
      for (const std::string& name : *names) {
        std::string key = dirKey + unescape(name);
        if (key.compare(0, prefix.size(), prefix) != 0) continue;
        paths.push_back(root_ + "/" + dir + "/" + name);
        keys.push_back(std::move(key));
      }
      if (!values) {
        for (std::string& key : keys) out.push_back(Entry{std::move(key), "", 0});
        continue;
      }
      // One pipelined read of the whole directory: a registry of 10,000
      // agents must not cost 10,000 round trips to recover.
      auto nodes = zk_->getMany(paths);
      if (!nodes) return nodes.error();
      for (size_t i = 0; i < keys.size(); ++i) {
        auto& node = (*nodes)[i];
        if (!node) continue;  // gone meanwhile: skip
        out.push_back(Entry{std::move(keys[i]), std::move(node->data), static_cast<uint64_t>(node->version) + 1});
      }
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
    return out;
  }

  std::string pathOf(const std::string& key) const {
    auto slash = key.find('/');
    return dirOf(key) + "/" + escape(slash == std::string::npos ? key : key.substr(slash + 1));
  }

  // The multi for `batch`, with the versions it will leave. Keys written
  // twice in one batch see their own earlier write.
  Status plan(const std::vector<Write>& batch, std::vector<ZooKeeper::Op>& ops, std::vector<bool>& expected,
              std::vector<uint64_t>& versions) {
    std::map<std::string, std::optional<uint64_t>> state;  // path -> our version, nullopt: absent
    for (const Write& w : batch) {
      std::string path = pathOf(w.key);
      if (!state.contains(path)) {
        auto node = zk_->get(path);
        if (!node) return node.error();
        state[path] = *node ? std::optional<uint64_t>((*node)->version + 1) : std::nullopt;
        if (!ensured_.contains(dirOf(w.key))) {
          if (auto s = zk_->ensure(dirOf(w.key)); !s) return s;
          ensured_.insert(dirOf(w.key));
        }
      }
      std::optional<uint64_t>& have = state[path];
      if (w.expectedVersion) {
        // Checked here for a clear message; the multi checks it again.
        uint64_t now = have.value_or(0);
        if (now != *w.expectedVersion) {
          return Error(std::string(kConflict) + ": '" + w.key + "' is at version " + std::to_string(now) + ", not " +
                       std::to_string(*w.expectedVersion));
        }
      }
      int zkVersion = w.expectedVersion && have ? static_cast<int>(*have - 1) : -1;
      expected.push_back(w.expectedVersion.has_value());
      if (w.kind == Write::Kind::ERASE) {
        if (have) ops.push_back({ZooKeeper::Op::Kind::REMOVE, path, "", zkVersion});
        if (!have) expected.pop_back();
        have.reset();
        versions.push_back(0);
      } else if (have) {
        ops.push_back({ZooKeeper::Op::Kind::SET, path, w.value, zkVersion});
        have = *have + 1;
        versions.push_back(*have);
      } else {
        ops.push_back({ZooKeeper::Op::Kind::CREATE, path, w.value, -1});
        have = 1;
        versions.push_back(1);
      }
    }
    return okStatus();
  }

  std::unique_ptr<ZooKeeper> zk_;
  std::string root_;
  std::set<std::string> ensured_;  // directories known to exist
};

}  // namespace

Result<std::unique_ptr<Store>> openZooKeeperStore(const std::string& url, std::chrono::milliseconds sessionTimeout) {
  auto parsed = parseZooKeeperUrl(url);
  if (!parsed) return parsed.error();
  auto zk = ZooKeeper::connect(parsed->hosts, sessionTimeout);
  if (!zk) return zk.error();
  auto store = std::make_unique<ZooKeeperStore>(std::move(*zk), parsed->path + "/registry");
  if (auto s = store->init(); !s) return s.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace tepui::registry
