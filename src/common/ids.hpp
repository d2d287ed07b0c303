// Identifiers: random UUIDs (16 bytes, RFC 4122 version 4) and their text
// form, plus the id shapes Mesos clients expect (FrameworkID
// "<master>-0000", AgentID "<master>-S<n>", OfferID "<master>-O<n>").
#pragma once

#include <cstdint>
#include <string>

namespace tepui::ids {

// 16 random bytes (version 4 layout). Thread-safe.
std::string uuidBytes();
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" for 16 bytes; "" if not 16 bytes.
std::string uuidToString(const std::string& bytes);
std::string uuidString();

// Validity of a client-chosen id (task, executor): non-empty, at most 255
// bytes, not "." or "..", no control characters, '/' or '\\'. Returns the
// reason when invalid, empty string when valid.
std::string invalidIdReason(const std::string& id);

}  // namespace tepui::ids
