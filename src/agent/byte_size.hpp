// Byte sizes in Mesos's flag syntax, for --fetcher_cache_size: a number
// followed by B, KB, MB, GB or TB (any case; powers of 1024), such as
// "2GB" or "1.5MB". Tepui also takes a bare number of bytes ("1048576"),
// which Mesos refuses. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui::agent {

// The number of bytes (rounded down), or why `text` is not a byte size.
Result<uint64_t> parseByteSize(std::string_view text);

}  // namespace tepui::agent
