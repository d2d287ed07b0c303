#include "services/kill_selection.hpp"

#include <limits>
#include <map>
#include <optional>

namespace tepui::services {
namespace {

// The size of the group each remaining instance is in, for one GROUP_BY.
std::vector<size_t> groupSizes(const std::vector<const KillCandidate*>& remaining, const std::string& field) {
  std::map<std::string, size_t> counts;
  std::vector<std::optional<std::string>> values;
  values.reserve(remaining.size());
  for (const KillCandidate* instance : remaining) {
    values.push_back(fieldValue(instance->agent, field));
    if (values.back()) ++counts[*values.back()];
  }
  std::vector<size_t> sizes;
  sizes.reserve(remaining.size());
  for (const auto& value : values) sizes.push_back(value ? counts[*value] : std::numeric_limits<size_t>::max());
  return sizes;
}

}  // namespace

std::vector<std::string> selectToKill(const std::vector<KillCandidate>& instances, size_t count, bool oldestFirst,
                                      const std::vector<Constraint>& constraints) {
  std::vector<std::string> groupFields;
  for (const Constraint& constraint : constraints) {
    if (constraint.op() == ConstraintOperator::kGroupBy) groupFields.push_back(constraint.field());
  }
  std::vector<const KillCandidate*> remaining;
  for (const KillCandidate& instance : instances) remaining.push_back(&instance);

  std::vector<std::string> chosen;
  while (chosen.size() < count && !remaining.empty()) {
    std::vector<std::vector<size_t>> sizes;  // [field][instance]
    for (const std::string& field : groupFields) sizes.push_back(groupSizes(remaining, field));
    // True when instance a should be killed before instance b.
    auto before = [&](size_t a, size_t b) {
      const KillCandidate& x = *remaining[a];
      const KillCandidate& y = *remaining[b];
      if (x.phase != y.phase) return x.phase < y.phase;
      for (const auto& bySize : sizes) {
        if (bySize[a] != bySize[b]) return bySize[a] > bySize[b];
      }
      if (x.since != y.since) return oldestFirst ? x.since < y.since : x.since > y.since;
      return x.id < y.id;
    };
    size_t best = 0;
    for (size_t i = 1; i < remaining.size(); ++i) {
      if (before(i, best)) best = i;
    }
    chosen.push_back(remaining[best]->id);
    remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(best));
  }
  return chosen;
}

}  // namespace tepui::services
