// The services repository (see repository.hpp).
#include "services/repository.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>

#include "common/json.hpp"
#include "common/logging.hpp"

namespace tepui::services {

namespace {

constexpr char kFrameworkKey[] = "framework/id";
constexpr char kFenceKey[] = "leader/fence";
constexpr char kApps[] = "apps";
constexpr char kVersions[] = "versions";
constexpr uint32_t kBuckets = 64;

const char* nameOf(Collection c) {
  switch (c) {
    case Collection::kGroups: return "groups";
    case Collection::kDeployments: return "deployments";
    case Collection::kInstances: return "instances";
  }
  return "";
}

// The directory of `id` in `collection`: "<collection>.<2 hex digits>", by
// FNV-1a, which is stable across builds and machines.
std::string dirOf(const std::string& collection, const std::string& id) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : id) hash = (hash ^ c) * 16777619u;
  char bucket[8];
  std::snprintf(bucket, sizeof bucket, "%02x", hash % kBuckets);
  return collection + "." + bucket;
}

std::string docKey(const std::string& collection, const std::string& id) {
  return dirOf(collection, id) + "/" + escapeKeyPart(id);
}

std::string versionKey(const std::string& app, uint64_t seq, const std::string& version) {
  char padded[24];
  std::snprintf(padded, sizeof padded, "%010llu", static_cast<unsigned long long>(seq));
  return dirOf(kVersions, app) + "/" + escapeKeyPart(app) + "@" + padded + "@" + escapeKeyPart(version);
}

registry::Write put(std::string key, const boost::json::value& doc) {
  return {registry::Write::Kind::PUT, std::move(key), json::serialize(doc), std::nullopt};
}

registry::Write erase(std::string key) { return {registry::Write::Kind::ERASE, std::move(key), "", std::nullopt}; }

// The name part of a key ("dir/name" -> "name").
std::string nameOfKey(const std::string& key) { return key.substr(key.find('/') + 1); }

Result<boost::json::value> parseDoc(const registry::Entry& entry) {
  boost::system::error_code ec;
  auto value = boost::json::parse(entry.value, ec);
  if (ec) return Error("'" + entry.key + "' does not hold JSON: " + ec.message());
  return value;
}

}  // namespace

std::string escapeKeyPart(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return out;
}

std::optional<std::string> unescapeKeyPart(const std::string& s) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = digit(s[i + 1]), lo = digit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

void Repository::Change::putApp(const std::string& id, const std::string& version, boost::json::value app) {
  ops_.push_back({Kind::kPutApp, Collection::kGroups, id, version, std::move(app)});
}

void Repository::Change::eraseApp(const std::string& id) { ops_.push_back({Kind::kEraseApp, {}, id, "", {}}); }

void Repository::Change::put(Collection collection, const std::string& id, boost::json::value doc) {
  ops_.push_back({Kind::kPut, collection, id, "", std::move(doc)});
}

void Repository::Change::erase(Collection collection, const std::string& id) {
  ops_.push_back({Kind::kErase, collection, id, "", {}});
}

void Repository::Change::setFrameworkId(const std::string& id) { ops_.push_back({Kind::kFrameworkId, {}, id, "", {}}); }

Repository::Repository(boost::asio::io_context& io, RepositoryOptions options) : io_(io), options_(options) {
  if (options_.maxVersions < 1) options_.maxVersions = 1;
  for (Collection c : {Collection::kGroups, Collection::kDeployments, Collection::kInstances}) docs_[c];
}

Repository::~Repository() = default;

Result<std::unique_ptr<Repository>> Repository::load(boost::asio::io_context& io,
                                                     std::unique_ptr<registry::Store> store,
                                                     RepositoryOptions options) {
  std::unique_ptr<Repository> repository(new Repository(io, options));
  if (auto s = repository->read(*store); !s) return s.error().context("cannot load the services state");
  repository->registrar_ = std::make_unique<registry::Registrar>(io, std::move(store));
  return repository;
}

Status Repository::read(registry::Store& store) {
  auto fence = store.get(kFenceKey);
  if (!fence) return fence.error();
  fenceVersion_ = *fence ? (*fence)->version : 0;
  auto framework = store.get(kFrameworkKey);
  if (!framework) return framework.error();
  if (*framework) frameworkId_ = (*framework)->value;

  auto apps = store.list(std::string(kApps) + ".");
  if (!apps) return apps.error();
  for (const registry::Entry& entry : *apps) {
    auto id = unescapeKeyPart(nameOfKey(entry.key));
    if (!id) return Error("malformed key '" + entry.key + "'");
    auto doc = parseDoc(entry);
    if (!doc) return doc.error();
    apps_[*id].current = std::move(*doc);
  }

  auto versions = store.list(std::string(kVersions) + ".");
  if (!versions) return versions.error();
  for (const registry::Entry& entry : *versions) {  // sorted: an app's versions oldest first
    std::string name = nameOfKey(entry.key);
    auto first = name.find('@'), second = name.rfind('@');
    std::optional<std::string> id, version;
    if (first != std::string::npos && second != first) {
      id = unescapeKeyPart(name.substr(0, first));
      version = unescapeKeyPart(name.substr(second + 1));
    }
    if (!id || !version) return Error("malformed key '" + entry.key + "'");
    auto app = apps_.find(*id);
    if (app == apps_.end()) {
      TLOG(WARNING) << "Ignoring version '" << *version << "' of app '" << *id << "', which does not exist";
      continue;
    }
    auto doc = parseDoc(entry);
    if (!doc) return doc.error();
    uint64_t seq = std::strtoull(name.substr(first + 1, second - first - 1).c_str(), nullptr, 10);
    app->second.versions.push_back({seq, *version, std::move(*doc)});
    app->second.nextSeq = std::max(app->second.nextSeq, seq + 1);
  }

  for (auto& [collection, docs] : docs_) {
    auto entries = store.list(std::string(nameOf(collection)) + ".");
    if (!entries) return entries.error();
    for (const registry::Entry& entry : *entries) {
      auto id = unescapeKeyPart(nameOfKey(entry.key));
      if (!id) return Error("malformed key '" + entry.key + "'");
      auto doc = parseDoc(entry);
      if (!doc) return doc.error();
      docs[*id] = std::move(*doc);
    }
  }
  return okStatus();
}

void Repository::apply(Change::Op& op, std::vector<registry::Write>& batch) {
  switch (op.kind) {
    case Change::Kind::kPutApp: {
      App& app = apps_[op.id];
      app.current = op.doc;
      batch.push_back(put(docKey(kApps, op.id), op.doc));
      auto same = std::find_if(app.versions.begin(), app.versions.end(),
                               [&](const Version& v) { return v.version == op.version; });
      if (same != app.versions.end()) {
        same->doc = std::move(op.doc);
        batch.push_back(put(versionKey(op.id, same->seq, op.version), same->doc));
        break;
      }
      app.versions.push_back({app.nextSeq++, op.version, std::move(op.doc)});
      batch.push_back(put(versionKey(op.id, app.versions.back().seq, op.version), app.versions.back().doc));
      while (app.versions.size() > options_.maxVersions) {
        batch.push_back(erase(versionKey(op.id, app.versions.front().seq, app.versions.front().version)));
        app.versions.erase(app.versions.begin());
      }
      break;
    }
    case Change::Kind::kEraseApp: {
      auto app = apps_.find(op.id);
      if (app == apps_.end()) break;
      for (const Version& v : app->second.versions) batch.push_back(erase(versionKey(op.id, v.seq, v.version)));
      batch.push_back(erase(docKey(kApps, op.id)));
      apps_.erase(app);
      break;
    }
    case Change::Kind::kPut:
      batch.push_back(put(docKey(nameOf(op.collection), op.id), op.doc));
      docs_[op.collection][op.id] = std::move(op.doc);
      break;
    case Change::Kind::kErase:
      if (docs_[op.collection].erase(op.id) > 0) batch.push_back(erase(docKey(nameOf(op.collection), op.id)));
      break;
    case Change::Kind::kFrameworkId:
      frameworkId_ = op.id;
      batch.push_back({registry::Write::Kind::PUT, kFrameworkKey, op.id, std::nullopt});
      break;
  }
}

void Repository::commit(Change change, Done done) {
  if (failed_) {
    Error error("the services state cannot be written any more: " + failure_);
    boost::asio::post(io_, [done = std::move(done), error] {
      if (done) done(error);
    });
    return;
  }
  std::vector<registry::Write> batch;
  for (Change::Op& op : change.ops_) apply(op, batch);
  ++commits_;
  batch.push_back({registry::Write::Kind::PUT, kFenceKey, std::to_string(commits_), fenceVersion_++});
  registrar_->apply(std::move(batch), [this, done = std::move(done)](const Status& s) {
    if (!s && !failed_) {
      failed_ = true;
      failure_ = s.error().message;
      TLOG(ERROR) << "Writing the services state failed: " << failure_;
      if (onFailure_) onFailure_(failure_);
    }
    if (done) done(s);
  });
}

const boost::json::value* Repository::app(const std::string& id) const {
  auto it = apps_.find(id);
  return it == apps_.end() ? nullptr : &it->second.current;
}

std::vector<std::string> Repository::appIds() const {
  std::vector<std::string> ids;
  for (auto& [id, app] : apps_) ids.push_back(id);
  return ids;
}

std::vector<std::string> Repository::appVersions(const std::string& id) const {
  std::vector<std::string> out;
  if (auto it = apps_.find(id); it != apps_.end()) {
    for (const Version& v : it->second.versions) out.push_back(v.version);
  }
  return out;
}

const boost::json::value* Repository::appVersion(const std::string& id, const std::string& version) const {
  auto it = apps_.find(id);
  if (it == apps_.end()) return nullptr;
  for (const Version& v : it->second.versions) {
    if (v.version == version) return &v.doc;
  }
  return nullptr;
}

const boost::json::value* Repository::get(Collection collection, const std::string& id) const {
  auto& docs = docs_.at(collection);
  auto it = docs.find(id);
  return it == docs.end() ? nullptr : &it->second;
}

const std::map<std::string, boost::json::value>& Repository::all(Collection collection) const {
  return docs_.at(collection);
}

}  // namespace tepui::services
