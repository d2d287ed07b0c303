// Matching one instance's resource needs against an offer: which of the
// offer's resources a task takes, and which host ports it gets.
//
// Contract:
//   - Only resources usable by the app are taken: allocated to the app's
//     role (the offer's allocation role), reserved to one of the accepted
//     roles ("*" = unreserved; an empty acceptedResourceRoles means "*" and
//     the app's role, which is what a Marathon-compatible framework with
//     default settings accepts), not revocable, not shared, not from a
//     resource provider, not a persistent volume or a mount/path disk
//     (apps use the agent's root disk), and not a dynamic reservation
//     carrying labels (those belong to one particular reservation).
//   - Reserved resources are taken before unreserved ones.
//   - The resources are returned as they were offered (allocation info and
//     reservations kept) with the quantity taken, ready for
//     TaskInfo.resources. Ports are single-port ranges.
//   - Host ports: with requirePorts, each non-zero listed port is taken
//     literally; every other port (all of them without requirePorts, whose
//     listed numbers are service ports) is picked at random among the free
//     offered ports, distinct within the task.
//   - Several instances from one offer: the caller passes what earlier
//     matches took (add each match's resources to it).
//   - No match: every reason that applies, in the terms of /v2/queue's
//     processedOffersSummary. UnfulfilledConstraint is never set here
//     (constraints are placement.hpp's; offer_placement.hpp reports both);
//     it is in the enum so callers report all reasons with one type.
// Amounts are compared in Mesos's 0.001 steps.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/resources.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::services {

struct PortRequest {
  uint64_t port = 0;  // 0: any
  std::string name;
};

struct ResourceNeeds {
  double cpus = 0;
  double mem = 0;
  double disk = 0;
  double gpus = 0;
  std::vector<PortRequest> ports;
  bool requirePorts = false;
  std::vector<std::string> acceptedResourceRoles;  // empty: "*" and `role`
  std::string role = "*";
};

enum class NoMatchReason {
  kUnfulfilledRole,
  kUnfulfilledConstraint,
  kInsufficientCpus,
  kInsufficientMemory,
  kInsufficientDisk,
  kInsufficientGpus,
  kInsufficientPorts,
};

// "UnfulfilledRole", "InsufficientCpus", ...
const char* noMatchReasonName(NoMatchReason reason);

struct OfferMatch {
  std::vector<v1::Resource> resources;  // empty when reasons is not
  std::vector<uint64_t> hostPorts;      // one per PortRequest, in order
  std::vector<NoMatchReason> reasons;   // empty when it matched

  bool matched() const { return reasons.empty(); }
};

OfferMatch matchOffer(const v1::Offer& offer, const ResourceNeeds& needs, const Resources& alreadyTaken,
                      std::mt19937_64& random);

}  // namespace tepui::services
