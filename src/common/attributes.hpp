// Agent attributes (the agent's `--attributes` flag) and the text forms of
// Mesos's `Value` (scalar, "[a-b,c-d]" ranges, "{a,b}" sets) that attributes
// share with resources (src/common/resources_parse.cpp and resources_query.cpp parse and print resource
// values with the helpers in `tepui::values`, so both flags agree on syntax).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui {

// Parses "rack:a;zone:b;cores:4;ports:[1-10];tags:{x,y}": entries separated by
// ';' (or newlines), empty entries skipped, each "name:value" split at the
// first ':'. A value that parses fully as a finite number is SCALAR, "[...]"
// is RANGES, "{...}" is SET, anything else is TEXT. Order and duplicates are
// kept, as Mesos keeps them.
Result<std::vector<v1::Attribute>> parseAttributes(std::string_view text);

// The attribute's value as text: scalars as a number without trailing zeros
// ("4", "0.5"), ranges "[1-10]" ("[1-2,5-9]" for several), sets "{x,y}",
// text as is.
std::string attributeValueString(const v1::Attribute& attribute);

namespace values {

// `text` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// The decimal number `text` spells, if the whole of it is one (no sign '+',
// no hex). May be infinite or NaN ("inf", "nan"): the caller decides.
std::optional<double> parseNumber(std::string_view text);

// "[a-b,c-d]" (whitespace allowed around numbers; "[]" is empty). Ranges are
// returned in the order written; each must have begin <= end.
Result<v1::Value::Ranges> parseRanges(std::string_view text);

// "{a,b}" (items trimmed; "{}" is empty; an empty item is an error). Items
// are returned in the order written.
Result<v1::Value::Set> parseSet(std::string_view text);

// A scalar rounded to Mesos's 0.001 precision, without trailing zeros:
// "2", "0.5", "1024.125".
std::string formatScalar(double value);
std::string formatRanges(const v1::Value::Ranges& ranges);  // "[1-2,5-9]"
std::string formatSet(const v1::Value::Set& set);           // "{a,b}"

}  // namespace values
}  // namespace tepui
