#include "jobs/time_zone.hpp"

#include <exception>

namespace tepui::jobs {

using std::chrono::seconds;

Result<TimeZone> TimeZone::named(std::string_view name) {
  if (name.empty()) return Error("the time zone is empty (expected a tz database name such as America/New_York)");
  TimeZone zone;
  try {
    zone.zone_ = date::locate_zone(name);
  } catch (const std::exception&) {
    return Error("unknown time zone '" + std::string(name) +
                 "' (expected a tz database name such as America/New_York or UTC)");
  }
  zone.name_ = std::string(name);
  return zone;
}

TimeZone TimeZone::fixed(seconds offset) {
  TimeZone zone;
  zone.fixed_ = offset;
  return zone;
}

seconds TimeZone::offsetAt(Millis instant) const {
  if (zone_ == nullptr) return fixed_;
  return zone_->get_info(instant).offset;
}

LocalMapping TimeZone::mapLocal(LocalMillis local) const {
  auto at = [&](seconds offset) { return Millis{local.time_since_epoch() - offset}; };
  if (zone_ == nullptr) return {LocalMapping::Kind::kUnique, at(fixed_), at(fixed_)};
  date::local_info info = zone_->get_info(date::floor<seconds>(local));
  switch (info.result) {
    case date::local_info::unique: return {LocalMapping::Kind::kUnique, at(info.first.offset), at(info.first.offset)};
    case date::local_info::ambiguous:
      return {LocalMapping::Kind::kAmbiguous, at(info.first.offset), at(info.second.offset)};
    case date::local_info::nonexistent:
    default: return {LocalMapping::Kind::kGap, at(info.first.offset), Millis{info.second.begin}};
  }
}

Millis TimeZone::resolve(LocalMillis local, std::optional<seconds> preferredOffset) const {
  LocalMapping m = mapLocal(local);
  if (m.kind == LocalMapping::Kind::kAmbiguous && preferredOffset &&
      Millis{local.time_since_epoch() - *preferredOffset} == m.second) {
    return m.second;
  }
  return m.first;
}

}  // namespace tepui::jobs
