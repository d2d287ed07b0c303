// RecordIO framing (see recordio.hpp): "<decimal length>\n<bytes>" records.
#include "http/recordio.hpp"

#include <cstdint>
#include <cstdio>
#include <limits>

namespace tepui::http::recordio {

namespace {

// A uint64 has at most 20 decimal digits; anything longer is not a length
// line, and stopping there bounds what a broken peer can make us buffer.
constexpr size_t kMaxLengthDigits = 20;

}  // namespace

std::string encode(std::string_view record) {
  // Zero-length records are not part of the format; an empty record frames
  // to nothing rather than to a "0\n" that decoders reject.
  if (record.empty()) return {};
  std::string out = std::to_string(record.size());
  out.reserve(out.size() + 1 + record.size());
  out.push_back('\n');
  out.append(record);
  return out;
}

Status Decoder::feed(std::string_view data, std::vector<std::string>& out) {
  if (failed_) return *failed_;
  buffer_.append(data);

  size_t pos = 0;  // start of the first unconsumed record
  auto fail = [&](std::string message) -> Status {
    failed_ = Error(std::move(message));
    buffer_.clear();
    return *failed_;
  };

  while (pos < buffer_.size()) {
    uint64_t length = 0;
    size_t i = pos;
    for (; i < buffer_.size() && buffer_[i] != '\n'; ++i) {
      char c = buffer_[i];
      if (c < '0' || c > '9') {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(c));
        return fail(std::string("unexpected byte ") + hex + " in RecordIO length prefix");
      }
      if (i - pos >= kMaxLengthDigits) {
        return fail("RecordIO length prefix longer than " + std::to_string(kMaxLengthDigits) +
                    " digits");
      }
      auto digit = static_cast<uint64_t>(c - '0');
      bool overflows = length > (std::numeric_limits<uint64_t>::max() - digit) / 10;
      length = length * 10 + digit;
      if (overflows || length > maxRecord_) {
        return fail("RecordIO record exceeds the limit of " + std::to_string(maxRecord_) +
                    " bytes");
      }
    }
    if (i == buffer_.size()) break;  // length line not complete yet
    if (i == pos) return fail("empty RecordIO length prefix");
    if (length == 0) return fail("zero-length RecordIO record");

    size_t start = i + 1;
    if (buffer_.size() - start < length) break;  // record not complete yet
    out.emplace_back(buffer_, start, static_cast<size_t>(length));
    pos = start + static_cast<size_t>(length);
  }
  buffer_.erase(0, pos);
  return okStatus();
}

}  // namespace tepui::http::recordio
