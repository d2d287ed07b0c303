// The fetcher's download cache (see cache.hpp).
#include "fetcher/cache.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "common/logging.hpp"
#include "fetcher/files.hpp"

namespace tepui::fetcher {

namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

constexpr const char* kPartPrefix = ".part-";

struct Entry {
  std::string key;
  std::string file;   // name in the cache directory
  uint64_t size = 0;  // bytes
  uint64_t used = 0;  // when last used, on the index's own clock (`next`)
};

struct Index {
  uint64_t next = 1;
  std::vector<Entry> entries;

  std::vector<Entry>::iterator find(const std::string& key) {
    return std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
  }
  uint64_t total() const {
    uint64_t sum = 0;
    for (const auto& e : entries) sum += e.size;
    return sum;
  }
};

// The name of a key's lock file (FNV-1a): a collision only makes two keys
// wait for each other.
std::string keyLockName(const std::string& key) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : key) hash = (hash ^ c) * 1099511628211ULL;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

uint64_t number(const bj::object& object, const char* name) {
  const bj::value* v = object.if_contains(name);
  if (!v) return 0;
  bj::error_code ec;
  auto n = v->to_number<uint64_t>(ec);
  return ec ? 0 : n;
}

// A missing or unreadable index is an empty one: its files are then
// strays, removed by tidy().
Index readIndex(const fs::path& dir) {
  Index index;
  std::ifstream in(dir / "index.json");
  std::stringstream text;
  text << in.rdbuf();
  bj::error_code ec;
  bj::value value = bj::parse(text.str(), ec);
  if (ec || !value.is_object()) return index;
  const bj::object& root = value.as_object();
  index.next = std::max<uint64_t>(number(root, "next"), 1);
  const bj::value* entries = root.if_contains("entries");
  if (!entries || !entries->is_array()) return index;
  for (const bj::value& item : entries->as_array()) {
    const bj::object* o = item.if_object();
    if (!o || !o->contains("key") || !o->at("key").is_string() || !o->contains("file") || !o->at("file").is_string()) {
      continue;
    }
    index.entries.push_back({std::string(o->at("key").as_string()), std::string(o->at("file").as_string()),
                             number(*o, "size"), number(*o, "used")});
  }
  return index;
}

bool isEntryFile(const std::string& name) {
  return name.size() > 1 && name[0] == 'e' &&
         std::all_of(name.begin() + 1, name.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A download left by a fetcher that died: ".part-<pid>-<n>".
bool isDeadPart(const std::string& name) {
  if (name.rfind(kPartPrefix, 0) != 0) return false;
  pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + std::char_traits<char>::length(kPartPrefix)));
  return pid > 0 && ::kill(pid, 0) < 0 && errno == ESRCH;
}

// Makes the index and the directory agree after a crash.
void tidy(const fs::path& dir, Index& index) {
  std::erase_if(index.entries, [&](const Entry& e) { return !fs::exists(dir / e.file); });
  std::set<std::string> known;
  for (const auto& e : index.entries) known.insert(e.file);
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    std::string name = item.path().filename().string();
    if ((isEntryFile(name) && !known.count(name)) || isDeadPart(name)) fs::remove(item.path(), ec);
  }
}

Status writeIndex(const fs::path& dir, Index& index) {
  tidy(dir, index);
  bj::array entries;
  for (const auto& e : index.entries) {
    entries.push_back(bj::object{{"key", e.key}, {"file", e.file}, {"size", e.size}, {"used", e.used}});
  }
  std::string text = bj::serialize(bj::object{{"next", index.next}, {"entries", std::move(entries)}});
  fs::path temporary = dir / "index.json.new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush()) return Error("cannot write '" + temporary.string() + "'");
  }
  if (std::rename(temporary.c_str(), (dir / "index.json").c_str()) < 0) {
    return Error("cannot replace the cache index in '" + dir.string() + "': " + errnoText(errno));
  }
  return okStatus();
}

void evict(const fs::path& dir, Index& index, const Entry& entry) {
  TLOG(INFO) << "Evicting '" << entry.key << "' (" << entry.size << " bytes) from the cache";
  std::error_code ec;
  fs::remove(dir / entry.file, ec);
  fs::remove(dir / "keys" / keyLockName(entry.key), ec);
  std::erase_if(index.entries, [&](const Entry& e) { return e.file == entry.file; });
}

// On a hit, marks the entry used and opens it; on a miss, an empty fd. The
// open file stays readable even if another fetcher evicts it meanwhile.
Result<UniqueFd> openCached(const fs::path& dir, const std::string& key) {
  auto lock = FileLock::acquire(dir / "lock");
  if (!lock) return lock.error();
  Index index = readIndex(dir);
  auto entry = index.find(key);
  if (entry == index.entries.end()) return UniqueFd();
  UniqueFd fd(::open((dir / entry->file).c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return UniqueFd();  // gone: a miss, and tidied on the next write
  entry->used = index.next++;
  if (auto written = writeIndex(dir, index); !written) return written.error();
  return fd;
}

// Moves the download at `part` into the cache, evicting the least recently
// used entries to make room, and opens it.
Result<UniqueFd> store(const fs::path& dir, const std::string& key, const std::string& part, uint64_t size,
                       uint64_t capacity) {
  auto lock = FileLock::acquire(dir / "lock");
  if (!lock) return lock.error();
  Index index = readIndex(dir);
  // Another fetcher stored the key meanwhile (its key lock was evicted
  // under it): ours replaces it.
  if (auto old = index.find(key); old != index.entries.end()) evict(dir, index, Entry(*old));
  while (!index.entries.empty() && index.total() + size > capacity) {
    auto oldest = std::min_element(index.entries.begin(), index.entries.end(),
                                   [](const Entry& a, const Entry& b) { return a.used < b.used; });
    evict(dir, index, Entry(*oldest));
  }
  uint64_t stamp = index.next++;
  std::string file = "e" + std::to_string(stamp);
  if (std::rename(part.c_str(), (dir / file).c_str()) < 0) {
    return Error("cannot move a download into the cache: " + errnoText(errno));
  }
  index.entries.push_back({key, file, size, stamp});
  UniqueFd fd(::open((dir / file).c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Error("cannot open cached '" + (dir / file).string() + "': " + errnoText(errno));
  if (auto written = writeIndex(dir, index); !written) return written.error();
  return fd;
}

}  // namespace

Status Cache::fetch(const std::string& key, const std::string& destination, const Download& download) {
  fs::path dir(dir_);
  std::error_code ec;
  fs::create_directories(dir / "keys", ec);
  if (ec) return Error("cannot create the cache directory '" + dir_ + "': " + ec.message());
  // Held until the item is in the cache: a second fetcher of the same key
  // waits here, then finds it cached.
  auto keyLock = FileLock::acquire(dir / "keys" / keyLockName(key));
  if (!keyLock) return keyLock.error();

  auto cached = openCached(dir, key);
  if (!cached) return cached.error();
  if (cached->get() >= 0) {
    TLOG(INFO) << "Copying '" << destination << "' from the cache";
    return copyFromFd(cached->get(), destination);
  }

  static std::atomic<uint64_t> parts{0};
  std::string part = (dir / (kPartPrefix + std::to_string(::getpid()) + "-" + std::to_string(parts++))).string();
  if (auto got = download(part); !got) return got;
  uint64_t size = fs::file_size(part, ec);
  if (ec) return Error("cannot size '" + part + "': " + ec.message());
  if (size > capacity_) {
    TLOG(INFO) << "Not caching '" << key << "': " << size << " bytes exceed the cache's " << capacity_;
    return moveFile(part, destination);
  }
  auto stored = store(dir, key, part, size, capacity_);
  if (!stored) {
    ::unlink(part.c_str());
    return stored.error();
  }
  TLOG(INFO) << "Cached '" << key << "' (" << size << " bytes)";
  return copyFromFd(stored->get(), destination);
}

}  // namespace tepui::fetcher
