// Fixed-point scalar quantities; see quantities.hpp.
#include "allocator/quantities.hpp"

#include <algorithm>
#include <cmath>

namespace tepui::allocator {

int64_t Quantities::toFixed(double value) {
  if (!std::isfinite(value) || value <= 0) return 0;
  return std::llround(value * 1000.0);
}

Quantities Quantities::of(const Resources& resources) {
  Quantities out;
  for (const auto& [name, value] : resources.scalars()) out.add(name, toFixed(value));
  return out;
}

int64_t Quantities::get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (n == name) return v;
  }
  return 0;
}

namespace {

template <typename Keep>
Quantities scalarsWhere(const Resources& resources, Keep keep) {
  Quantities out;
  for (const v1::Resource& r : resources) {
    if (r.type() == v1::Value::SCALAR && keep(r)) out.add(r.name(), Quantities::toFixed(r.scalar().value()));
  }
  return out;
}

}  // namespace

Quantities Quantities::ofUnreserved(const Resources& resources) {
  return scalarsWhere(resources, [](const v1::Resource& r) { return Resources::reservationRole(r) == "*"; });
}

Quantities Quantities::ofNonRevocable(const Resources& resources) {
  return scalarsWhere(resources, [](const v1::Resource& r) { return !r.has_revocable(); });
}

void Quantities::add(std::string_view name, int64_t fixed) {
  if (fixed <= 0) return;
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const Entry& e, std::string_view n) { return e.first < n; });
  if (it != entries_.end() && it->first == name) {
    it->second += fixed;
  } else {
    entries_.insert(it, Entry(std::string(name), fixed));
  }
}

void Quantities::subtract(std::string_view name, int64_t fixed) {
  if (fixed <= 0) return;
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const Entry& e, std::string_view n) { return e.first < n; });
  if (it == entries_.end() || it->first != name) return;
  it->second -= fixed;
  if (it->second <= 0) entries_.erase(it);
}

Quantities& Quantities::operator+=(const Quantities& other) {
  for (const auto& [name, v] : other.entries_) add(name, v);
  return *this;
}

Quantities& Quantities::operator-=(const Quantities& other) {
  for (const auto& [name, v] : other.entries_) subtract(name, v);
  return *this;
}

std::map<std::string, double> Quantities::toMap() const {
  std::map<std::string, double> out;
  for (const auto& [name, v] : entries_) out[name] = toDouble(v);
  return out;
}

}  // namespace tepui::allocator
