#include "services/constraints.hpp"

#include <boost/regex.hpp>
#include <charconv>
#include <cstdlib>
#include <limits>

#include "services/agent_facts.hpp"

namespace tepui::services {

struct Constraint::Pattern {
  boost::regex regex;
};

namespace {

struct OperatorSpelling {
  ConstraintOperator op;
  const char* name;
};

constexpr OperatorSpelling kOperators[] = {
    {ConstraintOperator::kUnique, "UNIQUE"},
    {ConstraintOperator::kCluster, "CLUSTER"},
    {ConstraintOperator::kGroupBy, "GROUP_BY"},
    {ConstraintOperator::kMaxPer, "MAX_PER"},
    {ConstraintOperator::kLike, "LIKE"},
    {ConstraintOperator::kUnlike, "UNLIKE"},
    {ConstraintOperator::kIs, "IS"},
};

std::optional<ConstraintOperator> operatorNamed(const std::string& name) {
  for (const auto& spelling : kOperators) {
    if (name == spelling.name) return spelling.op;
  }
  return std::nullopt;
}

std::optional<int64_t> positiveInteger(const std::string& text) {
  int64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end != text.data() + text.size() || number < 1 ||
      number > std::numeric_limits<int32_t>::max()) {
    return std::nullopt;
  }
  return number;
}

// "4", "0.50", "12.125": digits with an optional fraction, nothing else.
bool isPlainDecimal(const std::string& text) {
  size_t i = 0;
  size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++digits;
  if (digits == 0) return false;
  if (i == text.size()) return true;
  if (text[i] != '.') return false;
  size_t fraction = 0;
  for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) ++fraction;
  return fraction > 0 && i == text.size();
}

}  // namespace

const char* constraintOperatorName(ConstraintOperator op) {
  for (const auto& spelling : kOperators) {
    if (spelling.op == op) return spelling.name;
  }
  return "UNKNOWN";
}

bool Constraint::patternMatches(const std::string& text) const {
  if (!pattern_) return false;
  try {
    return boost::regex_match(text, pattern_->regex);
  } catch (const std::runtime_error&) {
    return false;  // too complex to match: see the header
  }
}

std::vector<std::string> Constraint::toArray() const {
  std::vector<std::string> parts{field_, constraintOperatorName(op_)};
  if (value_) parts.push_back(*value_);
  return parts;
}

Result<Constraint> parseConstraint(const std::vector<std::string>& parts) {
  if (parts.size() < 2 || parts.size() > 3) {
    return Error("a constraint is [field, operator] or [field, operator, value], not " + std::to_string(parts.size()) +
                 " element(s)");
  }
  Constraint constraint;
  constraint.field_ = parts[0];
  if (constraint.field_.empty()) return Error("the constraint's field is empty");
  std::optional<ConstraintOperator> op = operatorNamed(parts[1]);
  if (!op) {
    return Error("unknown constraint operator '" + parts[1] +
                 "' (expected UNIQUE, CLUSTER, GROUP_BY, MAX_PER, LIKE, UNLIKE or IS)");
  }
  constraint.op_ = *op;
  const std::string name = parts[1];
  if (parts.size() == 3) constraint.value_ = parts[2];
  const std::optional<std::string>& value = constraint.value_;

  switch (*op) {
    case ConstraintOperator::kUnique:
      if (value) return Error("UNIQUE takes no value, got '" + *value + "'");
      break;
    case ConstraintOperator::kCluster:
      if (value && !value->empty()) constraint.expected_ = *value;
      break;
    case ConstraintOperator::kGroupBy:
    case ConstraintOperator::kMaxPer: {
      const bool required = *op == ConstraintOperator::kMaxPer;
      if (!value || (!required && value->empty())) {  // GROUP_BY's "" is no count, as CLUSTER's "" is no value
        if (required) return Error(name + " needs a value: the most instances per value of " + parts[0]);
        break;
      }
      constraint.count_ = positiveInteger(*value);
      if (!constraint.count_) return Error(name + "'s value must be an integer >= 1, got '" + *value + "'");
      break;
    }
    case ConstraintOperator::kLike:
    case ConstraintOperator::kUnlike: {
      if (!value || value->empty()) return Error(name + " needs a regular expression as its value");
      try {
        constraint.pattern_ =
            std::make_shared<const Constraint::Pattern>(Constraint::Pattern{boost::regex(*value, boost::regex::perl)});
      } catch (const boost::regex_error& error) {
        return Error(name + "'s value '" + *value + "' is not a valid regular expression: " + error.what());
      }
      break;
    }
    case ConstraintOperator::kIs:
      if (!value || value->empty()) return Error("IS needs a value to compare with");
      constraint.expected_ =
          isPlainDecimal(*value) ? constraintScalarText(std::strtod(value->c_str(), nullptr)) : *value;
      break;
  }
  return constraint;
}

ParsedConstraints parseConstraints(const std::vector<std::vector<std::string>>& arrays) {
  ParsedConstraints parsed;
  for (size_t i = 0; i < arrays.size(); ++i) {
    Result<Constraint> constraint = parseConstraint(arrays[i]);
    if (constraint) {
      parsed.constraints.push_back(std::move(*constraint));
    } else {
      parsed.problems.emplace_back(i, constraint.error().message);
    }
  }
  return parsed;
}

}  // namespace tepui::services
