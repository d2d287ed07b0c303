// The framework repository (see repository.hpp).
#include "frameworks/repository.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>

#include "common/json.hpp"
#include "common/logging.hpp"

namespace tepui::frameworks {

namespace {

constexpr char kFrameworkKey[] = "framework/id";
constexpr char kFenceKey[] = "leader/fence";
constexpr char kVersionsSuffix[] = "_versions";
constexpr uint32_t kBuckets = 64;

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

registry::Write put(std::string key, const boost::json::value& doc) {
  return {registry::Write::Kind::PUT, std::move(key), json::serialize(doc), std::nullopt};
}

registry::Write erase(std::string key) { return {registry::Write::Kind::ERASE, std::move(key), "", std::nullopt}; }

// The name part of a key ("dir/name" -> "name").
std::string nameOfKey(const std::string& key) { return key.substr(key.find('/') + 1); }

// The collection (or versions directory) of a key ("apps.3f/x" -> "apps");
// empty for the keys outside collections ("framework/id").
std::string collectionOfKey(const std::string& key) {
  std::string dir = key.substr(0, key.find('/'));
  auto dot = dir.rfind('.');
  return dot == std::string::npos ? "" : dir.substr(0, dot);
}

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

void Repository::Change::put(const std::string& collection, const std::string& id, boost::json::value doc) {
  ops_.push_back({Kind::kPut, collection, id, "", std::move(doc)});
}

void Repository::Change::erase(const std::string& collection, const std::string& id) {
  ops_.push_back({Kind::kErase, collection, id, "", {}});
}

void Repository::Change::putVersioned(const std::string& collection, const std::string& id, const std::string& version,
                                      boost::json::value doc) {
  ops_.push_back({Kind::kPutVersioned, collection, id, version, std::move(doc)});
}

void Repository::Change::eraseVersioned(const std::string& collection, const std::string& id) {
  ops_.push_back({Kind::kEraseVersioned, collection, id, "", {}});
}

void Repository::Change::setFrameworkId(const std::string& id) { ops_.push_back({Kind::kFrameworkId, "", id, "", {}}); }

Repository::Repository(boost::asio::io_context& io, RepositoryOptions options) : io_(io), options_(std::move(options)) {
  for (auto& [collection, v] : options_.versioned) {
    if (v.directory.empty()) v.directory = collection + kVersionsSuffix;
    if (v.maxVersions < 1) v.maxVersions = 1;
  }
}

Repository::~Repository() = default;

Result<std::unique_ptr<Repository>> Repository::load(boost::asio::io_context& io,
                                                     std::unique_ptr<registry::Store> store,
                                                     RepositoryOptions options) {
  std::unique_ptr<Repository> repository(new Repository(io, std::move(options)));
  if (auto s = repository->read(*store); !s) return s.error().context("cannot load the " + repository->options_.name);
  repository->registrar_ = std::make_unique<registry::Registrar>(io, std::move(store));
  return repository;
}

Versioning Repository::versioning(const std::string& collection) const {
  auto it = options_.versioned.find(collection);
  return it != options_.versioned.end() ? it->second : Versioning{collection + kVersionsSuffix};
}

std::string Repository::versionKey(const std::string& collection, const std::string& id, const Version& v) const {
  char padded[24];
  std::snprintf(padded, sizeof padded, "%010llu", static_cast<unsigned long long>(v.seq));
  return dirOf(versioning(collection).directory, id) + "/" + escapeKeyPart(id) + "@" + padded + "@" +
         escapeKeyPart(v.version);
}

Status Repository::read(registry::Store& store) {
  auto fence = store.get(kFenceKey);
  if (!fence) return fence.error();
  fenceVersion_ = *fence ? (*fence)->version : 0;
  auto framework = store.get(kFrameworkKey);
  if (!framework) return framework.error();
  if (*framework) frameworkId_ = (*framework)->value;

  auto entries = store.list("");
  if (!entries) return entries.error();
  // Which collection's versions a directory holds.
  std::map<std::string, std::string> versionDirs;
  for (auto& [collection, v] : options_.versioned) versionDirs[v.directory] = collection;
  auto versionsOf = [&](const std::string& dir) -> std::optional<std::string> {
    if (auto it = versionDirs.find(dir); it != versionDirs.end()) return it->second;
    size_t n = sizeof kVersionsSuffix - 1;
    if (dir.size() > n && dir.compare(dir.size() - n, n, kVersionsSuffix) == 0) return dir.substr(0, dir.size() - n);
    return std::nullopt;
  };
  // The documents first, then their versions (which need them).
  for (const registry::Entry& entry : *entries) {
    std::string collection = collectionOfKey(entry.key);
    if (collection.empty() || versionsOf(collection)) continue;
    auto id = unescapeKeyPart(nameOfKey(entry.key));
    if (!id) return Error("malformed key '" + entry.key + "'");
    auto doc = parseDoc(entry);
    if (!doc) return doc.error();
    docs_[collection][*id] = std::move(*doc);
  }
  for (const registry::Entry& entry : *entries) {  // sorted: a document's versions oldest first
    std::string dir = collectionOfKey(entry.key);
    if (auto collection = dir.empty() ? std::nullopt : versionsOf(dir)) {
      if (auto s = readVersion(entry, *collection); !s) return s;
    }
  }
  return okStatus();
}

Status Repository::readVersion(const registry::Entry& entry, const std::string& collection) {
  std::string name = nameOfKey(entry.key);
  auto first = name.find('@'), second = name.rfind('@');
  std::optional<std::string> id, version;
  if (first != std::string::npos && second != first) {
    id = unescapeKeyPart(name.substr(0, first));
    version = unescapeKeyPart(name.substr(second + 1));
  }
  if (!id || !version) return Error("malformed key '" + entry.key + "'");
  if (!get(collection, *id)) {
    TLOG(WARNING) << "Ignoring version '" << *version << "' of '" << *id << "' in " << collection
                  << ", which does not exist";
    return okStatus();
  }
  auto doc = parseDoc(entry);
  if (!doc) return doc.error();
  uint64_t seq = std::strtoull(name.substr(first + 1, second - first - 1).c_str(), nullptr, 10);
  History& history = histories_[collection][*id];
  history.versions.push_back({seq, *version, std::move(*doc)});
  history.nextSeq = std::max(history.nextSeq, seq + 1);
  return okStatus();
}

void Repository::applyPutVersioned(Change::Op& op, std::vector<registry::Write>& batch) {
  docs_[op.collection][op.id] = op.doc;
  batch.push_back(put(docKey(op.collection, op.id), op.doc));
  History& history = histories_[op.collection][op.id];
  auto same = std::find_if(history.versions.begin(), history.versions.end(),
                           [&](const Version& v) { return v.version == op.version; });
  if (same != history.versions.end()) {
    same->doc = std::move(op.doc);
    batch.push_back(put(versionKey(op.collection, op.id, *same), same->doc));
    return;
  }
  history.versions.push_back({history.nextSeq++, op.version, std::move(op.doc)});
  batch.push_back(put(versionKey(op.collection, op.id, history.versions.back()), history.versions.back().doc));
  while (history.versions.size() > versioning(op.collection).maxVersions) {
    batch.push_back(erase(versionKey(op.collection, op.id, history.versions.front())));
    history.versions.erase(history.versions.begin());
  }
}

void Repository::apply(Change::Op& op, std::vector<registry::Write>& batch) {
  switch (op.kind) {
    case Change::Kind::kPutVersioned: applyPutVersioned(op, batch); break;
    case Change::Kind::kPut:
      batch.push_back(put(docKey(op.collection, op.id), op.doc));
      docs_[op.collection][op.id] = std::move(op.doc);
      break;
    case Change::Kind::kErase:
    case Change::Kind::kEraseVersioned: {  // a document goes with its versions, if it has any
      auto& histories = histories_[op.collection];
      if (auto h = histories.find(op.id); h != histories.end()) {
        for (const Version& v : h->second.versions) batch.push_back(erase(versionKey(op.collection, op.id, v)));
        histories.erase(h);
      }
      if (docs_[op.collection].erase(op.id) > 0) batch.push_back(erase(docKey(op.collection, op.id)));
      break;
    }
    case Change::Kind::kFrameworkId:
      frameworkId_ = op.id;
      batch.push_back({registry::Write::Kind::PUT, kFrameworkKey, op.id, std::nullopt});
      break;
  }
}

void Repository::commit(Change change, Done done) {
  if (failed_) {
    Error error("the " + options_.name + " cannot be written any more: " + failure_);
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
      TLOG(ERROR) << "Writing the " << options_.name << " failed: " << failure_;
      if (onFailure_) onFailure_(failure_);
    }
    if (done) done(s);
  });
}

const boost::json::value* Repository::get(const std::string& collection, const std::string& id) const {
  auto docs = docs_.find(collection);
  if (docs == docs_.end()) return nullptr;
  auto it = docs->second.find(id);
  return it == docs->second.end() ? nullptr : &it->second;
}

const std::map<std::string, boost::json::value>& Repository::all(const std::string& collection) const {
  return docs_[collection];  // created empty if need be, so that the reference sees later commits
}

std::vector<std::string> Repository::ids(const std::string& collection) const {
  std::vector<std::string> out;
  for (auto& [id, doc] : all(collection)) out.push_back(id);
  return out;
}

std::vector<std::string> Repository::versions(const std::string& collection, const std::string& id) const {
  std::vector<std::string> out;
  if (const History* h = history(collection, id)) {
    for (const Version& v : h->versions) out.push_back(v.version);
  }
  return out;
}

const boost::json::value* Repository::version(const std::string& collection, const std::string& id,
                                              const std::string& version) const {
  if (const History* h = history(collection, id)) {
    for (const Version& v : h->versions) {
      if (v.version == version) return &v.doc;
    }
  }
  return nullptr;
}

const Repository::History* Repository::history(const std::string& collection, const std::string& id) const {
  auto histories = histories_.find(collection);
  if (histories == histories_.end()) return nullptr;
  auto it = histories->second.find(id);
  return it == histories->second.end() ? nullptr : &it->second;
}

}  // namespace tepui::frameworks
