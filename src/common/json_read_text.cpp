// JSON text -> protobuf (fromJson; see json.hpp for the contract): the text
// is parsed into a temporary boost::json tree, re-reading every non-integer
// number so that doubles round correctly, and the tree goes to fromValue.
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/json.hpp"
#include "common/json_internal.hpp"

namespace tepui::json {
namespace {

// ---------------------------------------------------------------------------
// Text parsing. Boost.JSON 1.81 converts decimal text to double with an
// algorithm that can be off by one ulp (so "2.5e-300" or a 17-digit
// timestamp would not survive a write/read round trip). This handler builds
// the same tree as boost::json::parser but re-reads every non-integer number
// with std::from_chars, which rounds correctly.

class PreciseHandler {
 public:
  static constexpr std::size_t max_object_size = bj::object::max_size();
  static constexpr std::size_t max_array_size = bj::array::max_size();
  static constexpr std::size_t max_key_size = bj::string::max_size();
  static constexpr std::size_t max_string_size = bj::string::max_size();

  // The stack's own scratch space comes from `temp`, then the heap; the
  // values it builds come from `sp`.
  PreciseHandler(bj::storage_ptr sp, unsigned char* temp, std::size_t size) : stack_({}, temp, size) {
    stack_.reset(std::move(sp));
  }

  bj::value release() { return stack_.release(); }

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) { return true; }
  bool on_object_end(std::size_t n, bj::error_code&) {
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(std::size_t n, bj::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, bj::string_view, bj::error_code&) {
    number_.clear();
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, bj::string_view, bj::error_code&) {
    number_.clear();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, bj::string_view s, bj::error_code&) {
    // `s` is the number's text, or its tail when earlier parts were split off.
    std::string_view text(s.data(), s.size());
    if (!number_.empty()) {
      number_.append(s.data(), s.size());
      text = number_;
    }
    double exact = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
    // Out of range (1e400) keeps Boost's value (infinity or zero).
    if (ec == std::errc() && end == text.data() + text.size()) d = exact;
    number_.clear();
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, bj::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(bj::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

 private:
  bj::value_stack stack_;
  std::string number_;  // a number split across parts (only with streamed input)
};

}  // namespace

Result<bj::value> parseText(std::string_view text, const bj::storage_ptr& sp) {
  bj::parse_options options;
  options.max_depth = kMaxDepth;
  unsigned char temp[1024];  // the value stack's initial scratch space
  bj::basic_parser<PreciseHandler> parser(options, sp, temp, sizeof temp);
  bj::error_code ec;
  const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = bj::error::extra_data;
  if (ec == bj::error::too_deep) return Error("JSON nested too deeply");
  if (ec) return Error("invalid JSON: " + ec.message() + " at offset " + std::to_string(consumed));
  return parser.handler().release();
}

Status fromJson(std::string_view text, google::protobuf::Message* message) {
  if (message == nullptr) return Error("no message to parse into");
  try {
    message->Clear();
    unsigned char buffer[4096];
    bj::monotonic_resource arena(buffer, sizeof buffer);  // the tree is temporary
    Result<bj::value> value = parseText(text, &arena);
    if (!value) return value.error();
    return fromValue(*value, message);
  } catch (const std::bad_alloc&) {
    message->Clear();
    return Error("out of memory");
  } catch (const std::exception& e) {
    message->Clear();
    return Error(std::string("invalid JSON: ") + e.what());
  }
}

}  // namespace tepui::json
