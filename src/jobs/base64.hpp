// Base64 (standard alphabet, padded) of a byte string, for HTTP basic
// authentication and SMTP AUTH; the encoder is the JSON codec's.
#pragma once

#include <string>
#include <string_view>

#include "common/json_internal.hpp"

namespace tepui::jobs {

inline std::string base64(std::string_view bytes) {
  auto encoded = json::base64Encode(bytes, {});
  return std::string(encoded.data(), encoded.size());
}

}  // namespace tepui::jobs
