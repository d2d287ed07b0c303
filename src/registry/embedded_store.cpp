// The embedded Store: one SQLite file, one table of (key, value, version).
//
// Durability: WAL mode with synchronous=FULL makes SQLite fsync the WAL
// before a commit returns, so a batch apply() reported is on disk; a crash
// leaves each batch wholly there or wholly absent (SQLite's transactions).
// The database is opened with an exclusive lock so that two masters cannot
// share one work dir.
#include <sqlite3.h>

#include <filesystem>

#include "registry/store.hpp"

namespace tepui::registry {

namespace {

// Owns a prepared statement; resets it for reuse when a call is done.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Status prepare(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      return Error(std::string("cannot prepare '") + sql + "': " + sqlite3_errmsg(db));
    }
    return okStatus();
  }
  sqlite3_stmt* get() const { return stmt_; }
  // Binds the parameters (1-based) as blobs.
  void bind(std::initializer_list<const std::string*> values) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    int i = 1;
    for (const std::string* v : values) {
      if (v == nullptr) {
        sqlite3_bind_null(stmt_, i++);
      } else {
        sqlite3_bind_blob(stmt_, i++, v->data(), static_cast<int>(v->size()), SQLITE_STATIC);
      }
    }
  }
  std::string blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    return data ? std::string(static_cast<const char*>(data), sqlite3_column_bytes(stmt_, column)) : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// The least key greater than every key starting with `prefix`, or nullopt
// when there is none (the prefix is empty or all 0xff bytes).
std::optional<std::string> prefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// Closes the database when the store goes, after its statements (members
// are destroyed in reverse order: this one is declared first).
struct Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close(db); }
};

class EmbeddedStore final : public Store {
 public:
  Status open(const std::string& path) {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return Error("cannot create '" + parent.string() + "': " + ec.message());
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      return Error("cannot open '" + path + "': " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
    }
    sqlite3_busy_timeout(db_, 0);
    if (auto s = exec("PRAGMA locking_mode=EXCLUSIVE"); !s) return s;
    // journal_mode answers the mode it ended up in.
    std::string mode;
    if (auto s = exec("PRAGMA journal_mode=WAL", &mode); !s) return s;
    if (mode != "wal") return Error("cannot put '" + path + "' in WAL mode (got '" + mode + "')");
    for (const char* sql : {"PRAGMA synchronous=FULL",
                            "CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, value BLOB NOT NULL, "
                            "version INTEGER NOT NULL) WITHOUT ROWID",
                            // Takes the exclusive lock now rather than at the first write.
                            "BEGIN IMMEDIATE", "COMMIT"}) {
      if (auto s = exec(sql); !s) return s.error().context("'" + path + "'");
    }
    if (auto s = get_.prepare(db_, "SELECT value, version FROM entries WHERE key = ?1"); !s) return s;
    if (auto s = list_.prepare(db_,
                               "SELECT key, value, version FROM entries WHERE key >= ?1 AND (?2 IS NULL OR key < ?2) "
                               "ORDER BY key");
        !s) {
      return s;
    }
    if (auto s = put_.prepare(db_,
                              "INSERT INTO entries (key, value, version) VALUES (?1, ?2, 1) ON CONFLICT(key) DO "
                              "UPDATE SET value = excluded.value, version = version + 1 RETURNING version");
        !s) {
      return s;
    }
    return erase_.prepare(db_, "DELETE FROM entries WHERE key = ?1");
  }

  Result<std::optional<Entry>> get(const std::string& key) override {
    get_.bind({&key});
    int rc = sqlite3_step(get_.get());
    if (rc == SQLITE_DONE) return std::optional<Entry>();
    if (rc != SQLITE_ROW) return failure("read '" + key + "'");
    return std::optional<Entry>(Entry{key, get_.blob(0), static_cast<uint64_t>(sqlite3_column_int64(get_.get(), 1))});
  }

  Result<std::vector<Entry>> list(const std::string& prefix) override {
    std::optional<std::string> end = prefixEnd(prefix);
    list_.bind({&prefix, end ? &*end : nullptr});
    std::vector<Entry> out;
    int rc;
    while ((rc = sqlite3_step(list_.get())) == SQLITE_ROW) {
      out.push_back(Entry{list_.blob(0), list_.blob(1), static_cast<uint64_t>(sqlite3_column_int64(list_.get(), 2))});
    }
    if (rc != SQLITE_DONE) return failure("list '" + prefix + "'");
    return out;
  }

  Result<std::vector<uint64_t>> apply(const std::vector<Write>& batch) override {
    if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
    auto result = applyInTransaction(batch);
    if (!result) {
      (void)exec("ROLLBACK");
      return result;
    }
    if (auto s = exec("COMMIT"); !s) {
      (void)exec("ROLLBACK");
      return s.error();
    }
    return result;
  }

 private:
  Result<std::vector<uint64_t>> applyInTransaction(const std::vector<Write>& batch) {
    std::vector<uint64_t> versions;
    for (const Write& w : batch) {
      if (w.expectedVersion) {
        auto current = get(w.key);
        if (!current) return current.error();
        uint64_t have = *current ? (*current)->version : 0;
        if (have != *w.expectedVersion) {
          return Error(std::string(kConflict) + ": '" + w.key + "' is at version " + std::to_string(have) + ", not " +
                       std::to_string(*w.expectedVersion));
        }
      }
      if (w.kind == Write::Kind::ERASE) {
        erase_.bind({&w.key});
        if (sqlite3_step(erase_.get()) != SQLITE_DONE) return failure("erase '" + w.key + "'");
        versions.push_back(0);
        continue;
      }
      put_.bind({&w.key, &w.value});
      if (sqlite3_step(put_.get()) != SQLITE_ROW) return failure("write '" + w.key + "'");
      versions.push_back(static_cast<uint64_t>(sqlite3_column_int64(put_.get(), 0)));
      sqlite3_reset(put_.get());  // RETURNING: finish the statement before the next
    }
    return versions;
  }

  Error failure(const std::string& what) const { return Error("cannot " + what + ": " + sqlite3_errmsg(db_)); }

  // Runs `sql`; the first column of its first row goes to `answer`.
  Status exec(const char* sql, std::string* answer = nullptr) {
    Statement s;
    if (auto p = s.prepare(db_, sql); !p) return p;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      if (answer != nullptr && answer->empty()) {
        const unsigned char* text = sqlite3_column_text(s.get(), 0);
        if (text != nullptr) *answer = reinterpret_cast<const char*>(text);
      }
    }
    if (rc != SQLITE_DONE) return Error(std::string("'") + sql + "' failed: " + sqlite3_errmsg(db_));
    return okStatus();
  }

  Connection connection_;
  sqlite3*& db_ = connection_.db;
  Statement get_, list_, put_, erase_;
};

}  // namespace

Result<std::unique_ptr<Store>> openEmbeddedStore(const std::string& path) {
  auto store = std::make_unique<EmbeddedStore>();
  if (auto s = store->open(path); !s) return s.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace tepui::registry
