// Checking resources before they are trusted: Resources::validate() (value,
// role names, reservation stacks) and Resources::normalize(), which converts
// the legacy role/reservation fields to the reservations[] form. See
// resources.hpp for the contract.
#include <cmath>
#include <string>

#include "common/resources.hpp"
#include "common/resources_internal.hpp"

namespace tepui {
namespace resources_detail {

// ---------------------------------------------------------------------------
// Roles (section 9 of the API reference): '/'-separated components, each
// non-empty, not "." or "..", not starting with '-', without whitespace,
// control characters or '*'. "*" alone means "any/unreserved".
std::optional<std::string> roleError(std::string_view role) {
  if (role == "*") return std::nullopt;
  if (role.empty()) return "invalid role '': the name is empty";
  const std::string quoted = "invalid role '" + std::string(role) + "': ";
  size_t start = 0;
  while (true) {
    const size_t slash = role.find('/', start);
    const std::string_view part = role.substr(start, slash == std::string_view::npos ? role.npos : slash - start);
    if (part.empty()) return quoted + "empty path component";
    if (part == "." || part == "..") return quoted + "'.' and '..' are not allowed";
    if (part.front() == '-') return quoted + "a component may not start with '-'";
    for (char c : part) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f) return quoted + "whitespace and control characters are not allowed";
      if (c == '*') return quoted + "'*' is not allowed inside a role";
    }
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

}  // namespace resources_detail

std::optional<Error> Resources::validate(const v1::Resource& resource) {
  if (resource.name().empty()) return Error("resource has an empty name");
  auto fail = [&](const std::string& why) { return Error("resource '" + resource.name() + "' " + why); };

  switch (resource.type()) {
    case v1::Value::SCALAR: {
      if (!resource.has_scalar()) return fail("of type SCALAR has no scalar value");
      if (resource.has_ranges() || resource.has_set()) return fail("of type SCALAR also has a ranges or set value");
      const double value = resource.scalar().value();
      if (!std::isfinite(value)) return fail("value is not a finite number");
      if (value < 0) return fail("has a negative value");
      break;
    }
    case v1::Value::RANGES:
      if (!resource.has_ranges()) return fail("of type RANGES has no ranges value");
      if (resource.has_scalar() || resource.has_set()) return fail("of type RANGES also has a scalar or set value");
      for (const auto& range : resource.ranges().range()) {
        if (range.begin() > range.end()) {
          return fail("has an invalid range " + std::to_string(range.begin()) + "-" + std::to_string(range.end()) +
                      ": begin is greater than end");
        }
      }
      break;
    case v1::Value::SET:
      if (!resource.has_set()) return fail("of type SET has no set value");
      if (resource.has_scalar() || resource.has_ranges()) return fail("of type SET also has a scalar or ranges value");
      for (const auto& item : resource.set().item()) {
        if (item.empty()) return fail("has an empty set item");
      }
      break;
    default:
      return fail("has unsupported type " + v1::Value::Type_Name(resource.type()));
  }

  if (resource.reservations_size() == 0) {
    // The legacy ("pre-refinement") form.
    const bool unreservedRole = !resource.has_role() || resource.role() == "*";
    if (resource.has_reservation() && unreservedRole) return fail("has a 'reservation' but no role to reserve to");
    if (auto error = resources_detail::roleError(resource.role())) return fail("has an " + *error);
  } else {
    if (resource.has_role() && resource.role() != "*") return fail("sets both the legacy 'role' and 'reservations'");
    if (resource.has_reservation()) return fail("sets both the legacy 'reservation' and 'reservations'");
    for (int i = 0; i < resource.reservations_size(); ++i) {
      const auto& reservation = resource.reservations(i);
      const std::string which = "reservation #" + std::to_string(i);
      if (reservation.type() != v1::Resource::ReservationInfo::STATIC &&
          reservation.type() != v1::Resource::ReservationInfo::DYNAMIC) {
        return fail("has " + which + " without a type (STATIC or DYNAMIC)");
      }
      if (reservation.role().empty()) return fail("has " + which + " without a role");
      if (reservation.role() == "*") return fail("cannot be reserved to role '*'");
      if (auto error = resources_detail::roleError(reservation.role())) return fail("has " + which + " with an " + *error);
      if (i > 0) {
        const auto& outer = resource.reservations(i - 1);
        // Refinement narrows: each entry reserves to a descendant of the
        // one before, and a static reservation only sits at the bottom.
        if (reservation.type() == v1::Resource::ReservationInfo::STATIC &&
            outer.type() == v1::Resource::ReservationInfo::DYNAMIC) {
          return fail("has a STATIC " + which + " refining a DYNAMIC one");
        }
        if (!reservation.role().starts_with(outer.role() + "/")) {
          return fail("has " + which + " to role '" + reservation.role() + "', which is not a descendant of '" +
                      outer.role() + "'");
        }
      }
    }
  }

  if (resource.has_disk() && resource.name() != "disk") return fail("has disk info but is not a 'disk' resource");
  if (resource.has_shared() && !(resource.has_disk() && resource.disk().has_persistence())) {
    return fail("is shared but is not a persistent volume");
  }
  return std::nullopt;
}

std::optional<Error> Resources::validate(const google::protobuf::RepeatedPtrField<v1::Resource>& resources) {
  for (const auto& resource : resources) {
    if (auto error = validate(resource)) return error;
  }
  return std::nullopt;
}

v1::Resource Resources::normalize(v1::Resource resource) {
  if (resource.reservations_size() == 0 && resource.has_role() && resource.role() != "*") {
    auto* reservation = resource.add_reservations();
    reservation->set_role(resource.role());
    if (resource.has_reservation()) {
      // A legacy `reservation` marks a dynamic reservation and carries its
      // principal and labels.
      reservation->set_type(v1::Resource::ReservationInfo::DYNAMIC);
      const auto& legacy = resource.reservation();
      if (legacy.has_principal()) reservation->set_principal(legacy.principal());
      if (legacy.has_labels()) *reservation->mutable_labels() = legacy.labels();
    } else {
      reservation->set_type(v1::Resource::ReservationInfo::STATIC);
    }
  }
  resource.clear_role();
  resource.clear_reservation();
  return resource;
}

}  // namespace tepui
