// The ZooKeeper session wrapper; see zookeeper.hpp.
#include "registry/zookeeper.hpp"

#include <zookeeper/zookeeper.jute.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace tepui::registry {

namespace {

// The C client logs to stderr at INFO by default; only its errors matter.
struct QuietClientLog {
  QuietClientLog() { zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR); }
};

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Error failed(const std::string& what, const std::string& path, int code) {
  return Error("ZooKeeper " + what + " of '" + path + "' failed: " + ZooKeeper::errorText(code));
}

}  // namespace

Result<ZooKeeperUrl> parseZooKeeperUrl(const std::string& url) {
  const std::string scheme = "zk://";
  if (url.rfind(scheme, 0) != 0) return Error("'" + url + "' is not a ZooKeeper URL (zk://host:port[,...]/path)");
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  ZooKeeperUrl out;
  out.hosts = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  if (out.hosts.empty()) return Error("'" + url + "' names no ZooKeeper server");
  if (out.path.find("//") != std::string::npos) return Error("'" + url + "' has an empty path component");
  return out;
}

std::string ZooKeeper::errorText(int code) { return zerror(code); }

Result<std::unique_ptr<ZooKeeper>> ZooKeeper::connect(const std::string& hosts,
                                                      std::chrono::milliseconds sessionTimeout, Callback callback) {
  static QuietClientLog quiet;
  std::unique_ptr<ZooKeeper> zk(new ZooKeeper());
  zk->callback_ = std::move(callback);
  zk->handle_ = zookeeper_init(hosts.c_str(), &ZooKeeper::onEvent, static_cast<int>(sessionTimeout.count()), nullptr,
                               zk.get(), 0);
  if (zk->handle_ == nullptr) return Error("cannot start a ZooKeeper client for '" + hosts + "'");
  // Wait for the session (the client connects in the background).
  auto deadline = std::chrono::steady_clock::now() + sessionTimeout;
  while (!zk->connected_ && !zk->expired_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!zk->connected_) {
    return Error("cannot connect to ZooKeeper at '" + hosts + "' within " + std::to_string(sessionTimeout.count()) +
                 " ms");
  }
  return zk;
}

ZooKeeper::~ZooKeeper() {
  if (handle_ != nullptr) zookeeper_close(handle_);
}

std::chrono::milliseconds ZooKeeper::disconnectedFor() const {
  int64_t at = disconnectedAtMs_;
  return std::chrono::milliseconds(at == 0 ? 0 : nowMs() - at);
}

int64_t ZooKeeper::sessionId() const {
  const clientid_t* id = zoo_client_id(handle_);
  return id == nullptr ? 0 : id->client_id;
}

void ZooKeeper::onEvent(zhandle_t*, int type, int state, const char* path, void* context) {
  auto* self = static_cast<ZooKeeper*>(context);
  if (type == ZOO_SESSION_EVENT) {
    if (state == ZOO_CONNECTED_STATE) {
      self->connected_ = true;
      self->disconnectedAtMs_ = 0;
    } else if (state == ZOO_CONNECTING_STATE && self->disconnectedAtMs_ == 0) {
      self->disconnectedAtMs_ = nowMs();
    }
    if (state == ZOO_EXPIRED_SESSION_STATE) self->expired_ = true;
  }
  if (self->callback_) self->callback_(type, state, path == nullptr ? "" : path);
}

Result<std::optional<ZooKeeper::Node>> ZooKeeper::get(const std::string& path, bool watch) {
  // The size comes from the node's stat; a change in between is caught by
  // the version and read again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    struct Stat stat {};
    int rc = zoo_exists(handle_, path.c_str(), watch ? 1 : 0, &stat);
    if (rc == ZNONODE) return std::optional<Node>();
    if (rc != ZOK) return failed("read", path, rc);
    std::string buffer(static_cast<size_t>(stat.dataLength), '\0');
    int length = stat.dataLength;
    struct Stat after {};
    rc = zoo_get(handle_, path.c_str(), 0, buffer.data(), &length, &after);
    if (rc == ZNONODE) return std::optional<Node>();
    if (rc != ZOK) return failed("read", path, rc);
    if (after.version != stat.version) continue;
    buffer.resize(length < 0 ? 0 : static_cast<size_t>(length));
    return std::optional<Node>(Node{std::move(buffer), after.version});
  }
  return Error("ZooKeeper read of '" + path + "' failed: it kept changing");
}

namespace {

// getMany()'s answers, filled in by the client's completion thread.
struct PendingGets {
  std::mutex mutex;
  std::condition_variable allIn;
  size_t pending = 0;
  int error = ZOK;
  std::string errorPath;
  std::vector<std::optional<ZooKeeper::Node>> nodes;
  std::vector<std::string> paths;

  void answered(size_t index, int rc, const char* value, int length, const struct Stat* stat) {
    std::lock_guard lock(mutex);
    if (rc == ZOK) {
      nodes[index] = ZooKeeper::Node{value && length > 0 ? std::string(value, static_cast<size_t>(length)) : "",
                                     stat ? stat->version : 0};
    } else if (rc != ZNONODE && error == ZOK) {
      error = rc;
      errorPath = paths[index];
    }
    if (--pending == 0) allIn.notify_all();
  }
};

struct OneGet {
  PendingGets* gets;
  size_t index;
};

void onGetAnswered(int rc, const char* value, int length, const struct Stat* stat, const void* data) {
  auto* one = static_cast<const OneGet*>(data);
  one->gets->answered(one->index, rc, value, length, stat);
}

}  // namespace

Result<std::vector<std::optional<ZooKeeper::Node>>> ZooKeeper::getMany(const std::vector<std::string>& paths) {
  PendingGets gets;
  gets.paths = paths;
  gets.nodes.resize(paths.size());
  gets.pending = paths.size();
  std::vector<OneGet> ones(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    ones[i] = OneGet{&gets, i};
    int rc = zoo_aget(handle_, paths[i].c_str(), 0, onGetAnswered, &ones[i]);
    if (rc != ZOK) gets.answered(i, rc, nullptr, 0, nullptr);  // never sent: no completion will come
  }
  std::unique_lock lock(gets.mutex);
  gets.allIn.wait(lock, [&] { return gets.pending == 0; });
  if (gets.error != ZOK) return failed("read", gets.errorPath, gets.error);
  return std::move(gets.nodes);
}

Result<std::vector<std::string>> ZooKeeper::children(const std::string& path, bool watch) {
  struct String_vector names {};
  int rc = zoo_get_children(handle_, path.c_str(), watch ? 1 : 0, &names);
  if (rc == ZNONODE) return std::vector<std::string>();
  if (rc != ZOK) return failed("listing", path, rc);
  std::vector<std::string> out(names.data, names.data + names.count);
  deallocate_String_vector(&names);
  return out;
}

Result<std::string> ZooKeeper::create(const std::string& path, const std::string& data, int mode) {
  std::string created(path.size() + 32, '\0');
  int rc = zoo_create(handle_, path.c_str(), data.data(), static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE, mode,
                      created.data(), static_cast<int>(created.size()));
  if (rc != ZOK) return failed("create", path, rc);
  created.resize(created.find('\0'));
  return created;
}

Status ZooKeeper::ensure(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string prefix = path.substr(0, i);
    int rc = zoo_create(handle_, prefix.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) return failed("create", prefix, rc);
  }
  return okStatus();
}

Status ZooKeeper::remove(const std::string& path, int version) {
  int rc = zoo_delete(handle_, path.c_str(), version);
  if (rc != ZOK && rc != ZNONODE) return failed("delete", path, rc);
  return okStatus();
}

Result<std::vector<int32_t>> ZooKeeper::multi(const std::vector<Op>& ops, Failure* failure) {
  if (ops.empty()) return std::vector<int32_t>();
  std::vector<zoo_op_t> zops(ops.size());
  std::vector<zoo_op_result_t> results(ops.size());
  std::vector<struct Stat> stats(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    switch (op.kind) {
      case Op::Kind::CREATE:
        zoo_create_op_init(&zops[i], op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()),
                           &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
        break;
      case Op::Kind::SET:
        zoo_set_op_init(&zops[i], op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()), op.version,
                        &stats[i]);
        break;
      case Op::Kind::REMOVE: zoo_delete_op_init(&zops[i], op.path.c_str(), op.version); break;
      case Op::Kind::CHECK: zoo_check_op_init(&zops[i], op.path.c_str(), op.version); break;
    }
  }
  int rc = zoo_multi(handle_, static_cast<int>(ops.size()), zops.data(), results.data());
  if (rc != ZOK) {
    size_t bad = 0;
    while (bad < ops.size() && (results[bad].err == ZOK || results[bad].err == ZRUNTIMEINCONSISTENCY)) ++bad;
    int code = bad < ops.size() ? results[bad].err : rc;
    if (failure != nullptr) *failure = Failure{bad, code};
    return failed("multi-operation at", bad < ops.size() ? ops[bad].path : std::string("?"), code);
  }
  std::vector<int32_t> versions;
  for (size_t i = 0; i < ops.size(); ++i) versions.push_back(ops[i].kind == Op::Kind::SET ? stats[i].version : 0);
  return versions;
}

}  // namespace tepui::registry
