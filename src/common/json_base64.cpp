// Base64 for protobuf bytes fields in JSON (see json_internal.hpp).
#include <array>
#include <cstdint>

#include "common/json_internal.hpp"

namespace tepui::json {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> kBase64Decode = [] {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}();

}  // namespace

bj::string base64Encode(std::string_view in, const bj::storage_ptr& sp) {
  bj::string out(sp);
  out.resize((in.size() + 2) / 3 * 4);
  char* o = out.data();
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    *o++ = kBase64Alphabet[(n >> 18) & 63];
    *o++ = kBase64Alphabet[(n >> 12) & 63];
    *o++ = kBase64Alphabet[(n >> 6) & 63];
    *o++ = kBase64Alphabet[n & 63];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    std::uint32_t n = std::uint32_t{p[i]} << 16;
    if (rest == 2) n |= std::uint32_t{p[i + 1]} << 8;
    *o++ = kBase64Alphabet[(n >> 18) & 63];
    *o++ = kBase64Alphabet[(n >> 12) & 63];
    *o++ = rest == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=';
    *o++ = '=';
  }
  return out;
}

bool base64Decode(std::string_view in, std::string* out) {
  std::size_t n = in.size();
  if (n % 4 == 0 && n > 0) {
    if (in[n - 1] == '=') --n;
    if (in[n - 1] == '=') --n;
  }
  if (n % 4 == 1) return false;
  out->clear();
  out->reserve(n / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int8_t d = kBase64Decode[static_cast<unsigned char>(in[i])];
    if (d < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace tepui::json
