// Small string helpers shared by the flag parsers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tepui {

// The pieces of `text` between `sep`s, empty ones left out: "a,,b" -> {a, b}.
std::vector<std::string> splitNonEmpty(std::string_view text, char sep);

}  // namespace tepui
