// RecordIO framing as Mesos streams use it: each record is its decimal
// byte length, "\n", then exactly that many bytes; no trailing newline, no
// zero-length records. The decoder is fed arbitrary chunks (independent of
// HTTP chunk boundaries) and yields whole records.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace tepui::http::recordio {

std::string encode(std::string_view record);

class Decoder {
 public:
  // Records longer than maxRecord bytes are an error (a hostile or broken
  // peer must not make us allocate without bound).
  explicit Decoder(size_t maxRecord = 64 * 1024 * 1024) : maxRecord_(maxRecord) {}

  // Appends the records completed by `data` to `out`. After an error the
  // decoder stays failed and every later call returns the same error.
  Status feed(std::string_view data, std::vector<std::string>& out);

  // True when no partial record is buffered.
  bool idle() const { return buffer_.empty(); }

 private:
  size_t maxRecord_;
  std::string buffer_;
  std::optional<Error> failed_;
};

}  // namespace tepui::http::recordio
