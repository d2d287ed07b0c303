// RESERVE, UNRESERVE, CREATE and DESTROY as validated conversions; see
// resource_conversions.hpp.
#include "common/resource_conversions.hpp"

#include <filesystem>

#include "common/ids.hpp"

namespace tepui::conversions {

namespace {

using ReservationInfo = v1::Resource::ReservationInfo;
using Field = google::protobuf::RepeatedPtrField<v1::Resource>;

std::string describe(const v1::Resource& resource) { return "'" + Resources({resource}).toString() + "'"; }

bool dynamicallyReserved(const v1::Resource& resource) {
  return resource.reservations_size() > 0 &&
         resource.reservations(resource.reservations_size() - 1).type() == ReservationInfo::DYNAMIC;
}

v1::Resource popped(v1::Resource resource) {
  resource.mutable_reservations()->RemoveLast();
  return resource;
}

// The disk a volume sits on: the same resource without the volume.
v1::Resource withoutVolume(v1::Resource resource) {
  resource.mutable_disk()->clear_persistence();
  resource.mutable_disk()->clear_volume();
  if (resource.disk().ByteSizeLong() == 0) resource.clear_disk();
  resource.clear_shared();
  return resource;
}

// Validates every resource and brings legacy role/reservation fields into
// the reservations[] form.
Result<std::vector<v1::Resource>> normalized(const Field& resources, const std::string& what) {
  if (resources.empty()) return Error("no " + what + " given");
  if (auto e = Resources::validate(resources)) return *e;
  std::vector<v1::Resource> out;
  for (const v1::Resource& r : resources) out.push_back(Resources::normalize(r));
  return out;
}

std::optional<Error> checkPrincipal(const std::string& principal, const Requester& requester, const std::string& what) {
  if (!requester.framework || principal.empty()) return std::nullopt;
  if (!requester.principal || *requester.principal != principal) {
    return Error(what + " principal '" + principal + "' is not the framework's principal '" +
                 requester.principal.value_or("") + "'");
  }
  return std::nullopt;
}

std::optional<Error> checkContainerPath(const std::string& path) {
  if (path.empty()) return Error("has no container_path");
  std::filesystem::path p(path);
  if (p.is_absolute())
    return Error("has an absolute container_path '" + path + "'; it must be relative to the sandbox");
  for (const auto& part : p) {
    if (part == "..") return Error("has a container_path '" + path + "' that leaves the sandbox");
  }
  return std::nullopt;
}

}  // namespace

Result<Conversion> reserve(const Field& resources, const Field* source, const Requester& requester) {
  auto items = normalized(resources, "resources to reserve");
  if (!items) return items.error();
  std::vector<v1::Resource> from, to;
  for (const v1::Resource& r : *items) {
    if (!dynamicallyReserved(r)) return Error("resource " + describe(r) + " is not dynamically reserved");
    if (isPersistentVolume(r)) return Error("resource " + describe(r) + " is a persistent volume; reserve its disk");
    const ReservationInfo& reservation = r.reservations(r.reservations_size() - 1);
    if (requester.framework) {
      if (reservation.role() != requester.allocationRole) {
        return Error("resource " + describe(r) + " is reserved for role '" + reservation.role() +
                     "' but the offer is for role '" + requester.allocationRole + "'");
      }
      if (r.reservations_size() > 1 && !requester.refinementCapable) {
        return Error("resource " + describe(r) +
                     " refines a reservation, which needs the RESERVATION_REFINEMENT capability");
      }
    }
    if (auto e = checkPrincipal(reservation.principal(), requester, "reservation")) return *e;
    from.push_back(popped(r));
    to.push_back(r);
  }
  Conversion c{Resources(from), Resources(to)};
  if (source != nullptr && !source->empty()) {
    auto given = normalized(*source, "source");
    if (!given) return given.error().context("invalid source");
    if (!(Resources(*given) == c.from)) {
      return Error("the source '" + Resources(*given).toString() + "' is not what the reservation applies to ('" +
                   c.from.toString() + "')");
    }
  }
  return c;
}

Result<Conversion> unreserve(const Field& resources, const Requester& requester) {
  auto items = normalized(resources, "resources to unreserve");
  if (!items) return items.error();
  std::vector<v1::Resource> from, to;
  for (const v1::Resource& r : *items) {
    if (!dynamicallyReserved(r)) return Error("resource " + describe(r) + " is not dynamically reserved");
    if (isPersistentVolume(r)) {
      return Error("resource " + describe(r) + " is a persistent volume; destroy it before unreserving its disk");
    }
    if (requester.framework && r.reservations(r.reservations_size() - 1).role() != requester.allocationRole) {
      return Error("resource " + describe(r) + " is not reserved for the offer's role '" + requester.allocationRole +
                   "'");
    }
    from.push_back(r);
    to.push_back(popped(r));
  }
  return Conversion{Resources(from), Resources(to)};
}

Result<Conversion> create(const Field& volumes, const std::set<std::string>& existing, const Requester& requester) {
  auto items = normalized(volumes, "volumes");
  if (!items) return items.error();
  std::set<std::string> ids;
  std::vector<v1::Resource> from, to;
  for (const v1::Resource& r : *items) {
    if (!isPersistentVolume(r)) return Error("resource " + describe(r) + " is not a persistent volume");
    const std::string& id = r.disk().persistence().id();
    auto fail = [&](const std::string& why) { return Error("volume '" + id + "' " + why); };
    if (auto why = ids::invalidIdReason(id); !why.empty()) return fail("has an invalid persistence id: " + why);
    if (existing.contains(id)) return fail("already exists on the agent");
    if (!ids.insert(id).second) return fail("is named twice");
    if (r.reservations_size() == 0) return fail("is on unreserved disk; reserve the disk first");
    if (r.has_shared()) return fail("is shared; shared volumes are not supported");
    if (!r.disk().has_volume()) return fail("has no volume (container_path and mode)");
    if (auto e = checkContainerPath(r.disk().volume().container_path())) return fail(e->message);
    if (r.disk().volume().mode() != v1::Volume::RW) return fail("must be mounted read-write (mode RW)");
    if (r.disk().volume().has_host_path() || r.disk().volume().has_image() || r.disk().volume().has_source()) {
      return fail("may name only container_path and mode");
    }
    if (auto e = checkPrincipal(r.disk().persistence().principal(), requester, "persistence")) return fail(e->message);
    from.push_back(withoutVolume(r));
    to.push_back(r);
  }
  return Conversion{Resources(from), Resources(to)};
}

Result<Conversion> destroy(const Field& volumes) {
  auto items = normalized(volumes, "volumes");
  if (!items) return items.error();
  std::vector<v1::Resource> from, to;
  for (const v1::Resource& r : *items) {
    if (!isPersistentVolume(r)) return Error("resource " + describe(r) + " is not a persistent volume");
    from.push_back(r);
    to.push_back(withoutVolume(r));
  }
  return Conversion{Resources(from), Resources(to)};
}

Result<Resources> apply(const Resources& total, const Conversion& conversion) {
  if (!total.contains(conversion.from)) {
    return Error("'" + (conversion.from - total).toString() + "' of '" + conversion.from.toString() +
                 "' is not available");
  }
  return total - conversion.from + conversion.to;
}

bool isPersistentVolume(const v1::Resource& resource) {
  return resource.has_disk() && resource.disk().has_persistence();
}

bool isCheckpointed(const v1::Resource& resource) {
  if (isPersistentVolume(resource)) return true;
  for (const auto& reservation : resource.reservations()) {
    if (reservation.type() == ReservationInfo::DYNAMIC) return true;
  }
  return false;
}

std::set<std::string> persistenceIds(const Resources& resources) {
  std::set<std::string> out;
  for (const v1::Resource& r : resources) {
    if (isPersistentVolume(r)) out.insert(r.disk().persistence().id());
  }
  return out;
}

Resources base(const Resources& resources) {
  std::vector<v1::Resource> out;
  for (v1::Resource r : resources) {
    if (isPersistentVolume(r)) r = withoutVolume(std::move(r));
    while (dynamicallyReserved(r)) r.mutable_reservations()->RemoveLast();
    out.push_back(std::move(r));
  }
  return Resources(out);
}

void toPreRefinementFormat(google::protobuf::RepeatedPtrField<v1::Resource>* resources) {
  for (v1::Resource& r : *resources) {
    if (r.reservations_size() != 1) continue;
    const ReservationInfo& only = r.reservations(0);
    r.set_role(only.role());
    if (only.type() == ReservationInfo::DYNAMIC) {
      auto* legacy = r.mutable_reservation();
      if (only.has_principal()) legacy->set_principal(only.principal());
      if (only.has_labels()) *legacy->mutable_labels() = only.labels();
    }
    r.clear_reservations();
  }
}

}  // namespace tepui::conversions
