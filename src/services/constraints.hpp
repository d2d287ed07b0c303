// Marathon-compatible placement constraints: the `[field, OPERATOR, value?]`
// arrays of an app's `constraints`, parsed and validated.
//
// Operators: UNIQUE (no value), CLUSTER (optional value), GROUP_BY
// (optional number of groups, an integer >= 1; "" is none, as for CLUSTER), MAX_PER (an integer >= 1),
// LIKE and UNLIKE (a regular expression), IS (a value). Fields: "hostname"
// or "@hostname", "@region", "@zone", or any agent attribute name (see
// agent_facts.hpp for how values are read and written as text).
//
// Regular expressions are Boost.Regex's Perl syntax, the closest there is
// to the Java syntax Marathon-compatible clients write, and must match the
// whole value (as Java's String.matches does). A pattern that is too costly
// to match on some value (Boost gives up rather than running away) does not
// match it.
//
// IS compares text; a value that is a plain decimal number ("4", "0.50")
// is first written as scalars are ("4", "0.5"), so it equals the attribute
// scalar it names.
//
// Whether an agent satisfies constraints is placement.hpp's.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace tepui::services {

enum class ConstraintOperator { kUnique, kCluster, kGroupBy, kMaxPer, kLike, kUnlike, kIs };

// "UNIQUE", "CLUSTER", ... as the API spells them.
const char* constraintOperatorName(ConstraintOperator op);

class Constraint {
 public:
  const std::string& field() const { return field_; }
  ConstraintOperator op() const { return op_; }
  // The value as written, if any (for showing the constraint back).
  const std::optional<std::string>& value() const { return value_; }
  // GROUP_BY's number of groups (nullopt: as many as there are) and
  // MAX_PER's limit.
  std::optional<int64_t> count() const { return count_; }
  // CLUSTER's and IS's value to compare with (IS's scalars normalised).
  const std::optional<std::string>& expected() const { return expected_; }
  // LIKE and UNLIKE: whether `text` fully matches the pattern.
  bool patternMatches(const std::string& text) const;

  // [field, OPERATOR] or [field, OPERATOR, value].
  std::vector<std::string> toArray() const;

 private:
  friend Result<Constraint> parseConstraint(const std::vector<std::string>& parts);
  struct Pattern;

  Constraint() = default;  // made only by parseConstraint, so always valid

  std::string field_;
  ConstraintOperator op_ = ConstraintOperator::kUnique;
  std::optional<std::string> value_;
  std::optional<int64_t> count_;
  std::optional<std::string> expected_;
  std::shared_ptr<const Pattern> pattern_;
};

// One constraint from its array form, or an error that names what is wrong
// (the caller adds where it was).
Result<Constraint> parseConstraint(const std::vector<std::string>& parts);

// An app's `constraints`: those that parse, and for each one that does not,
// its index and what is wrong (for a 422's "/constraints(i)" paths).
struct ParsedConstraints {
  std::vector<Constraint> constraints;
  std::vector<std::pair<size_t, std::string>> problems;
};
ParsedConstraints parseConstraints(const std::vector<std::vector<std::string>>& arrays);

}  // namespace tepui::services
