// Quota bookkeeping; see quota_book.hpp.
#include "allocator/quota_book.hpp"

#include <algorithm>

namespace tepui::allocator {

namespace {

std::map<std::string, int64_t> fixed(const std::map<std::string, double>& values) {
  std::map<std::string, int64_t> out;
  for (const auto& [name, value] : values) out[name] = std::max<int64_t>(0, Quantities::toFixed(value));
  return out;
}

Quantities quantities(const std::map<std::string, int64_t>& values) {
  Quantities out;
  for (const auto& [name, value] : values) out.add(name, value);
  return out;
}

std::map<std::string, double> doubles(const std::map<std::string, int64_t>& values) {
  std::map<std::string, double> out;
  for (const auto& [name, value] : values) out[name] = Quantities::toDouble(value);
  return out;
}

// Lowers caps[name] to the room left for every name of `bound` (a
// guarantee or a limit).
template <typename Bound>
void capBy(QuotaBook::Caps& caps, const Bound& bound, const Quantities& consumed) {
  for (const auto& [name, amount] : bound) {
    int64_t room = std::max<int64_t>(0, amount - consumed.get(name));
    auto [it, inserted] = caps.try_emplace(name, room);
    if (!inserted) it->second = std::min(it->second, room);
  }
}

}  // namespace

std::string QuotaBook::parentOf(const std::string& role) {
  auto slash = role.rfind('/');
  return slash == std::string::npos ? std::string() : role.substr(0, slash);
}

void QuotaBook::update(const std::vector<QuotaConfig>& configs, const Measure& measure) {
  std::set<std::string> added;
  for (const QuotaConfig& config : configs) {
    if (config.guarantees.empty() && config.limits.empty()) {
      quotas_.erase(config.role);
      consumed_.erase(config.role);
      added.erase(config.role);
    } else {
      if (!quotas_.contains(config.role)) added.insert(config.role);
      quotas_[config.role] = Quota{quantities(fixed(config.guarantees)), fixed(config.limits)};
    }
  }
  if (!added.empty()) {
    for (auto& [role, quantities] : measure(added)) {
      if (quantities.empty()) {
        consumed_.erase(role);
      } else {
        consumed_[role] = std::move(quantities);
      }
    }
  }
  ++configVersion_;
  ++roomGrowth_;
  topMost_.clear();
  for (const auto& [role, quota] : quotas_) {
    if (!quota.guarantees.empty() && topMost(role)) topMost_.insert(role);
  }
  recomputeRequired();
}

std::vector<QuotaConfig> QuotaBook::configs() const {
  std::vector<QuotaConfig> out;
  for (const auto& [role, quota] : quotas_) out.push_back({role, quota.guarantees.toMap(), doubles(quota.limits)});
  return out;
}

bool QuotaBook::topMost(const std::string& role) const {
  for (std::string a = parentOf(role); !a.empty(); a = parentOf(a)) {
    auto it = quotas_.find(a);
    if (it != quotas_.end() && !it->second.guarantees.empty()) return false;
  }
  return true;
}

void QuotaBook::recomputeRequired() {
  required_ = Quantities();
  for (const std::string& role : topMost_) required_ += unmet(role);
}

Quantities QuotaBook::unmet(const std::string& role) const {
  Quantities need = quotas_.at(role).guarantees;
  need -= consumed(role);  // saturates at zero
  return need;
}

const Quantities& QuotaBook::consumed(const std::string& role) const {
  static const Quantities kNone;
  auto it = consumed_.find(role);
  return it == consumed_.end() ? kNone : it->second;
}

bool QuotaBook::bounds(const std::string& role) const {
  if (quotas_.empty()) return false;
  for (std::string node = role; !node.empty(); node = parentOf(node)) {
    if (quotas_.contains(node)) return true;
  }
  return false;
}

void QuotaBook::addConsumed(const std::string& role, const Quantities& quantities) { change(role, quantities, true); }

void QuotaBook::removeConsumed(const std::string& role, const Quantities& quantities) {
  change(role, quantities, false);
}

void QuotaBook::change(const std::string& role, const Quantities& quantities, bool add) {
  if (quantities.empty()) return;
  for (std::string node = role; !node.empty(); node = parentOf(node)) {
    auto quota = quotas_.find(node);
    if (quota == quotas_.end()) continue;  // not kept
    // Room under a limit grows only by a release; a guarantee's room grows
    // by a release and the required headroom shrinks by a take.
    if (!add || !quota->second.guarantees.empty()) ++roomGrowth_;
    bool counted = topMost_.contains(node);
    if (counted) required_ -= unmet(node);
    Quantities& mine = consumed_[node];
    add ? mine += quantities : mine -= quantities;
    if (mine.empty()) consumed_.erase(node);
    if (counted) required_ += unmet(node);
  }
}

QuotaBook::Caps QuotaBook::limitRoom(const std::string& role) const {
  Caps caps;
  for (std::string node = role; !node.empty(); node = parentOf(node)) {
    auto it = quotas_.find(node);
    if (it != quotas_.end() && !it->second.limits.empty()) capBy(caps, it->second.limits, consumed(node));
  }
  return caps;
}

std::optional<QuotaBook::Caps> QuotaBook::guaranteeRoom(const std::string& role) const {
  std::optional<Caps> caps;
  for (std::string node = role; !node.empty(); node = parentOf(node)) {
    auto it = quotas_.find(node);
    if (it == quotas_.end() || it->second.guarantees.empty()) continue;
    if (!caps) caps.emplace();
    capBy(*caps, it->second.guarantees.entries(), consumed(node));
  }
  return caps;
}

}  // namespace tepui::allocator
