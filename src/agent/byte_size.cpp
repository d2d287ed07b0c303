// Byte sizes in Mesos's flag syntax (see byte_size.hpp).
#include "agent/byte_size.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace tepui::agent {

Result<uint64_t> parseByteSize(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  auto invalid = [&] {
    return Error("invalid byte size '" + std::string(text) + "': expected a number and B, KB, MB, GB or TB");
  };
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
  if (digits == 0 || ec != std::errc() || end != text.data() + digits) return invalid();

  std::string unit;
  for (char c : text.substr(digits)) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::pair<const char*, double> kUnits[] = {{"", 1},
                                                          {"B", 1},
                                                          {"KB", 1024.0},
                                                          {"MB", 1024.0 * 1024},
                                                          {"GB", 1024.0 * 1024 * 1024},
                                                          {"TB", 1024.0 * 1024 * 1024 * 1024}};
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    double bytes = std::floor(number * scale);
    if (bytes >= 18446744073709551615.0) return Error("byte size '" + std::string(text) + "' is too large");
    return static_cast<uint64_t>(bytes);
  }
  return invalid();
}

}  // namespace tepui::agent
