// Private to src/fetcher: the download cache that every fetcher of an
// agent shares. Fetchers are separate processes that may run at the same
// time, so the cache lives on disk and is guarded by file locks:
//
//   <dir>/lock           flock()ed while the index is read or changed
//   <dir>/index.json     {"next":N,"entries":[{"key","file","size","used"}]}
//   <dir>/e<N>           the cached files
//   <dir>/keys/<hash>    flock()ed by the fetcher that downloads a key, so
//                        that others fetching it wait and then copy it
//   <dir>/.part-<pid>-*  downloads in progress
//
// The cached files take at most `capacity` bytes: entries are evicted least
// recently used first to make room, and a file larger than the whole
// capacity is handed over without being cached. Whatever is inconsistent
// after a crash (files not in the index, entries whose file is gone,
// leftovers of dead fetchers) is cleaned up the next time the index is
// written.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.hpp"

namespace tepui::fetcher {

class Cache {
 public:
  using Download = std::function<Status(const std::string& path)>;

  Cache(std::string directory, uint64_t capacity) : dir_(std::move(directory)), capacity_(capacity) {}

  // Puts a copy of the item `key` at `destination`. On a miss, calls
  // download(path) to fetch the item into `path` first, and keeps it if it
  // fits. The error is download()'s, or why the cache cannot be used.
  Status fetch(const std::string& key, const std::string& destination, const Download& download);

 private:
  std::string dir_;
  uint64_t capacity_;
};

}  // namespace tepui::fetcher
