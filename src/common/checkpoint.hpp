// Durable state files: a protobuf written so that a crash at any moment
// leaves either the old or the new content, never a torn one (written to a
// temporary file in the same directory, fsync'ed, renamed over the old,
// and the directory fsync'ed), and read back. Symbolic links are replaced
// the same way, and removals are made durable by syncing the parent.
//
// Several changes can be applied as one group (apply()): each file is still
// written, synced and renamed as above, but the whole group is written
// first, then synced, then renamed, then its directories synced, so on a
// journalling file system the group costs about two journal commits
// rather than two per file. checkpoint_writer.hpp applies groups on a
// thread of its own.
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace tepui::checkpoint {

// One change to the files: `content` is the bytes of a WRITE, the target of
// a LINK, and unused for a REMOVE.
struct Change {
  enum class Kind { WRITE, LINK, REMOVE };
  Kind kind = Kind::WRITE;
  std::string path;
  std::string content;
};

// The change that writes `message` to `path`, serialized now. A message
// missing required fields is an error (it would not read back).
Result<Change> writing(const std::string& path, const google::protobuf::Message& message);

// Applies `changes` durably and in order, as write(), link() and remove()
// one after another would, with the syncs shared (above); when a path is
// written twice between two removals only the last content is written.
// One status per change. Creates parent directories as needed.
std::vector<Status> apply(const std::vector<Change>& changes);

// Creates the parent directories as needed. A message missing required
// fields is an error (it would not read back).
Status write(const std::string& path, const google::protobuf::Message& message);
// False when there is no such file; an error when it cannot be read or
// parsed.
Result<bool> read(const std::string& path, google::protobuf::Message* message);

// Points the symbolic link `path` at `target` (created beside it and renamed
// over any old link). Creates the parent directories as needed.
Status link(const std::string& path, const std::string& target);
// The target of the symbolic link `path`; nullopt when there is no such link.
Result<std::optional<std::string>> readLink(const std::string& path);

// Removes `path` (a file, a link or a whole directory; nothing when it does
// not exist) and syncs its parent directory.
Status remove(const std::string& path);

}  // namespace tepui::checkpoint
