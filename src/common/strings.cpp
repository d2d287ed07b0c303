// String helpers (strings.hpp).
#include "common/strings.hpp"

namespace tepui {

std::vector<std::string> splitNonEmpty(std::string_view text, char sep) {
  std::vector<std::string> parts;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find(sep, at);
    if (end == std::string_view::npos) end = text.size();
    if (end > at) parts.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

}  // namespace tepui
