// Durable state files: a protobuf written so that a crash at any moment
// leaves either the old or the new content, never a torn one (written to a
// temporary file in the same directory, fsync'ed, renamed over the old,
// and the directory fsync'ed), and read back.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "common/result.hpp"

namespace tepui::checkpoint {

// Creates the parent directories as needed.
Status write(const std::string& path, const google::protobuf::Message& message);
// False when there is no such file; an error when it cannot be read or
// parsed.
Result<bool> read(const std::string& path, google::protobuf::Message* message);

}  // namespace tepui::checkpoint
