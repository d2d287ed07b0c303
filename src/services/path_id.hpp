// PathId: the absolute id of an app or group in the services tree, rooted at
// group "/" (Marathon-compatible ids are paths). A PathId is always absolute
// and every segment is valid: ([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]) parts
// joined by dots. parse() is the only way in from text, so holding a PathId
// means holding a valid id. Pure value type; no I/O, thread-compatible.
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace tepui::services {

class PathId {
 public:
  PathId() = default;  // the root "/"

  // Parses `text` as an id. Absolute ids start with "/"; any other text is
  // resolved against `base` ("a", "./a", "../a"; "." is base itself). Empty
  // segments ("a//b", a trailing "/") are ignored. Errors name the bad
  // segment, or say that ".." climbed above the root.
  static Result<PathId> parse(std::string_view text, const PathId& base = PathId());

  // Why `segment` is not a valid path segment, or "" when it is.
  static std::string segmentError(std::string_view segment);

  bool isRoot() const { return segments_.empty(); }
  // The enclosing group ("/a/b" -> "/a"); the root's parent is the root.
  PathId parent() const;
  // This path extended by one segment (which must be valid: callers use it
  // with segments taken from other PathIds).
  PathId child(const std::string& segment) const;
  // True for every strict ancestor: "/" and "/a" are ancestors of "/a/b".
  bool isAncestorOf(const PathId& other) const;
  // The last segment, "" for the root.
  std::string name() const;
  const std::vector<std::string>& segments() const { return segments_; }

  // "/a/b"; the root is "/".
  std::string toString() const;
  // The prefix of the app's task ids: the path without its leading "/" and
  // with "/" replaced by "_" ("/a/b" -> "a_b").
  std::string taskIdPrefix() const;

  auto operator<=>(const PathId&) const = default;
  bool operator==(const PathId&) const = default;

 private:
  std::vector<std::string> segments_;
};

}  // namespace tepui::services
