// The operations that reshape an agent's resources without running anything:
// RESERVE, UNRESERVE, CREATE and DESTROY (offer operations and the operator
// calls RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES and
// DESTROY_VOLUMES), as validated conversions.
//
// Contract: each function checks the operation on its own (what it names is
// well formed and may be converted that way) and returns the conversion:
// `from`, the resources it consumes, becomes `to`. Whether `from` is there
// (in an offer, or unallocated on the agent) is the caller's to check, with
// Resources::contains, and apply() does both in one step. Allocation info is
// kept as given on both sides, so a conversion of offered resources stays in
// the offer's role.
//
// The same conversions serve the master (ACCEPT, operator calls) and the
// agent (re-applying its checkpointed resources at start), so both agree on
// what a reservation or a volume is.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "common/resources.hpp"
#include "common/result.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::conversions {

struct Conversion {
  Resources from;
  Resources to;
};

// Who asks, for the checks that depend on it.
struct Requester {
  // A framework's principal; nullopt for the operator.
  std::optional<std::string> principal;
  bool framework = false;
  // The role the resources are allocated to (the offer's), for frameworks.
  std::string allocationRole;
  bool refinementCapable = false;  // RESERVATION_REFINEMENT
};

// RESERVE: every resource's innermost reservation is DYNAMIC and new; the
// conversion takes the resources with it popped. A framework may reserve
// only for the role of its offer, with its own principal (or none), and
// may refine (stack more than one reservation) only with
// RESERVATION_REFINEMENT. `source`, when given, must be what is consumed.
Result<Conversion> reserve(const google::protobuf::RepeatedPtrField<v1::Resource>& resources,
                           const google::protobuf::RepeatedPtrField<v1::Resource>* source, const Requester& requester);
// UNRESERVE: every resource's innermost reservation is DYNAMIC and it is
// not a persistent volume (DESTROY it first); it goes back to the previous
// reservation, or unreserved.
Result<Conversion> unreserve(const google::protobuf::RepeatedPtrField<v1::Resource>& resources,
                             const Requester& requester);
// CREATE: persistent volumes on reserved disk: a valid, unique persistence
// id (not one of `existing`, the agent's), a relative container path
// without "..", mode RW, not shared. Consumes the same disk without the
// volume.
Result<Conversion> create(const google::protobuf::RepeatedPtrField<v1::Resource>& volumes,
                          const std::set<std::string>& existing, const Requester& requester);
// DESTROY: persistent volumes; gives back their disk. Whether one is in use
// is the caller's to check (see persistenceIds).
Result<Conversion> destroy(const google::protobuf::RepeatedPtrField<v1::Resource>& volumes);

// `total` with `conversion.from` replaced by `conversion.to`; an error naming
// what is missing when `total` does not contain `from`.
Result<Resources> apply(const Resources& total, const Conversion& conversion);

bool isPersistentVolume(const v1::Resource& resource);
// Dynamically reserved (anywhere in its stack) or a persistent volume: what
// an agent must remember over a restart, since its flags do not say it.
bool isCheckpointed(const v1::Resource& resource);
// The persistence ids of the volumes among `resources`.
std::set<std::string> persistenceIds(const Resources& resources);
// The resources as the agent's flags declare them: dynamic reservations
// popped and volumes turned back into plain disk.
Resources base(const Resources& resources);

// Rewrites resources reserved once into the form frameworks without
// RESERVATION_REFINEMENT read: `role` (and for a dynamic reservation,
// `reservation` with its principal and labels) instead of
// `reservations[]`. Refined resources (more than one reservation) have no
// such form and are left as they are; such frameworks are never offered
// them.
void toPreRefinementFormat(google::protobuf::RepeatedPtrField<v1::Resource>* resources);

}  // namespace tepui::conversions
