// UUID generation and id validation (see ids.hpp).
#include "common/ids.hpp"

#include <array>
#include <mutex>
#include <random>

namespace tepui::ids {

std::string uuidBytes() {
  // One generator per thread: no lock, and seeded from the OS once.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(16, '\0');
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(a >> (8 * i));
    out[8 + i] = static_cast<char>(b >> (8 * i));
  }
  out[6] = static_cast<char>((out[6] & 0x0f) | 0x40);
  out[8] = static_cast<char>((out[8] & 0x3f) | 0x80);
  return out;
}

std::string uuidToString(const std::string& bytes) {
  if (bytes.size() != 16) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    auto c = static_cast<unsigned char>(bytes[i]);
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

std::string uuidString() { return uuidToString(uuidBytes()); }

std::string invalidIdReason(const std::string& id) {
  if (id.empty()) return "is empty";
  if (id.size() > 255) return "is longer than 255 bytes";
  if (id == "." || id == "..") return "is '.' or '..'";
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return "contains a control character";
    if (c == '/' || c == '\\') return "contains '/' or '\\'";
  }
  return {};
}

}  // namespace tepui::ids
