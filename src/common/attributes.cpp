// Agent attributes (`--attributes`) and the text forms of Mesos Values that
// attributes and resources share. See attributes.hpp for the grammar.
#include "common/attributes.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <system_error>

namespace tepui {
namespace values {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::optional<uint64_t> parseUint64(std::string_view text) {
  uint64_t value = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (text.empty() || ec != std::errc() || ptr != last) return std::nullopt;
  return value;
}

// Calls `fn(item)` for each ','-separated piece of `inner`, untrimmed.
template <typename Fn>
void forEachItem(std::string_view inner, Fn&& fn) {
  size_t start = 0;
  while (true) {
    size_t comma = inner.find(',', start);
    fn(inner.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return;
    start = comma + 1;
  }
}

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::optional<double> parseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  // from_chars, unlike strtod, ignores the locale, skips no whitespace and
  // rejects hex and a leading '+': exactly "a decimal number and nothing else".
  auto [ptr, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (ptr != last) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // The syntax is fine but the magnitude is not representable: strtod gives
    // the saturated value (+-HUGE_VAL or 0), which callers then judge.
    std::string copy(text);
    return std::strtod(copy.c_str(), nullptr);
  }
  if (ec != std::errc()) return std::nullopt;
  return value;
}

Result<v1::Value::Ranges> parseRanges(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.front() != '[') return Error("expected a range list '[begin-end,...]'");
  if (text.size() < 2 || text.back() != ']') return Error("unterminated range list '" + std::string(text) + "'");
  std::string_view inner = trim(text.substr(1, text.size() - 2));
  v1::Value::Ranges ranges;
  if (inner.empty()) return ranges;
  std::optional<Error> error;
  forEachItem(inner, [&](std::string_view piece) {
    if (error) return;
    std::string_view item = trim(piece);
    size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      error = Error("invalid range '" + std::string(item) + "': expected 'begin-end'");
      return;
    }
    auto begin = parseUint64(trim(item.substr(0, dash)));
    auto end = parseUint64(trim(item.substr(dash + 1)));
    if (!begin || !end) {
      error = Error("invalid range '" + std::string(item) + "': bounds must be non-negative integers");
      return;
    }
    if (*begin > *end) {
      error = Error("invalid range '" + std::string(item) + "': begin is greater than end");
      return;
    }
    auto* range = ranges.add_range();
    range->set_begin(*begin);
    range->set_end(*end);
  });
  if (error) return *error;
  return ranges;
}

Result<v1::Value::Set> parseSet(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.front() != '{') return Error("expected a set '{item,...}'");
  if (text.size() < 2 || text.back() != '}') return Error("unterminated set '" + std::string(text) + "'");
  std::string_view inner = trim(text.substr(1, text.size() - 2));
  v1::Value::Set set;
  if (inner.empty()) return set;
  bool emptyItem = false;
  forEachItem(inner, [&](std::string_view piece) {
    std::string_view item = trim(piece);
    if (item.empty()) {
      emptyItem = true;
      return;
    }
    set.add_item(std::string(item));
  });
  if (emptyItem) return Error("empty item in set '" + std::string(text) + "'");
  return set;
}

std::string formatScalar(double value) {
  // Print through the same fixed-point form the arithmetic uses, so that
  // 0.1 + 0.2 prints "0.3" rather than a binary approximation.
  if (!std::isfinite(value) || std::fabs(value) >= 9e15) {
    char buffer[64];
    auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    return ec == std::errc() ? std::string(buffer, ptr) : std::string("nan");
  }
  long long fixed = std::llround(value * 1000.0);
  std::string out;
  if (fixed < 0) {
    out.push_back('-');
    fixed = -fixed;
  }
  out += std::to_string(fixed / 1000);
  int fraction = static_cast<int>(fixed % 1000);
  if (fraction != 0) {
    char digits[4] = {static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                      static_cast<char>('0' + fraction % 10), '\0'};
    int length = 3;
    while (digits[length - 1] == '0') --length;
    out.push_back('.');
    out.append(digits, length);
  }
  return out;
}

std::string formatRanges(const v1::Value::Ranges& ranges) {
  std::string out = "[";
  for (int i = 0; i < ranges.range_size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(ranges.range(i).begin());
    out.push_back('-');
    out += std::to_string(ranges.range(i).end());
  }
  out.push_back(']');
  return out;
}

std::string formatSet(const v1::Value::Set& set) {
  std::string out = "{";
  for (int i = 0; i < set.item_size(); ++i) {
    if (i > 0) out.push_back(',');
    out += set.item(i);
  }
  out.push_back('}');
  return out;
}

}  // namespace values

namespace {

// Fills `attribute`'s value from its text form; the type follows the shape.
std::optional<Error> parseAttributeValue(std::string_view text, v1::Attribute* attribute) {
  if (text.front() == '[') {
    auto ranges = values::parseRanges(text);
    if (!ranges) return ranges.error();
    attribute->set_type(v1::Value::RANGES);
    *attribute->mutable_ranges() = std::move(*ranges);
    return std::nullopt;
  }
  if (text.front() == '{') {
    auto set = values::parseSet(text);
    if (!set) return set.error();
    attribute->set_type(v1::Value::SET);
    *attribute->mutable_set() = std::move(*set);
    return std::nullopt;
  }
  // "inf" and "nan" stay text: a rack may well be called "nan", and a
  // non-finite scalar attribute could not be matched or printed usefully.
  if (auto number = values::parseNumber(text); number && std::isfinite(*number)) {
    attribute->set_type(v1::Value::SCALAR);
    attribute->mutable_scalar()->set_value(*number);
    return std::nullopt;
  }
  // A stray closing bracket is almost certainly a typo for a range or set.
  if (text.back() == ']' || text.back() == '}') {
    return Error("'" + std::string(text) + "' has a closing bracket without an opening one");
  }
  attribute->set_type(v1::Value::TEXT);
  attribute->mutable_text()->set_value(std::string(text));
  return std::nullopt;
}

}  // namespace

Result<std::vector<v1::Attribute>> parseAttributes(std::string_view text) {
  std::vector<v1::Attribute> attributes;
  size_t start = 0;
  while (start <= text.size()) {
    size_t stop = text.find_first_of(";\n", start);
    if (stop == std::string_view::npos) stop = text.size();
    std::string_view entry = values::trim(text.substr(start, stop - start));
    start = stop + 1;
    if (entry.empty()) continue;

    auto fail = [&](const std::string& why) {
      return Error("invalid attribute '" + std::string(entry) + "': " + why);
    };
    size_t colon = entry.find(':');
    if (colon == std::string_view::npos) return fail("expected 'name:value'");
    std::string_view name = values::trim(entry.substr(0, colon));
    std::string_view value = values::trim(entry.substr(colon + 1));
    if (name.empty()) return fail("empty name");
    if (value.empty()) return fail("empty value");

    v1::Attribute attribute;
    attribute.set_name(std::string(name));
    if (auto error = parseAttributeValue(value, &attribute)) return fail(error->message);
    attributes.push_back(std::move(attribute));
  }
  return attributes;
}

std::string attributeValueString(const v1::Attribute& attribute) {
  switch (attribute.type()) {
    case v1::Value::SCALAR:
      return values::formatScalar(attribute.scalar().value());
    case v1::Value::RANGES:
      return values::formatRanges(attribute.ranges());
    case v1::Value::SET:
      return values::formatSet(attribute.set());
    case v1::Value::TEXT:
      return attribute.text().value();
  }
  return {};
}

}  // namespace tepui
