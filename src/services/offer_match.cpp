#include "services/offer_match.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "services/host_ports.hpp"

namespace tepui::services {
namespace {

constexpr uint64_t kHighestPort = 65535;

bool usable(const v1::Resource& resource, const ResourceNeeds& needs, const std::set<std::string>& acceptedRoles) {
  if (resource.has_allocation_info() && resource.allocation_info().role() != needs.role) return false;
  if (resource.has_revocable() || resource.has_shared() || resource.has_provider_id()) return false;
  if (resource.has_disk() && (resource.disk().has_persistence() || resource.disk().has_source())) return false;
  if (resource.reservations_size() > 0) {
    const auto& innermost = resource.reservations(resource.reservations_size() - 1);
    if (innermost.has_labels() && innermost.labels().labels_size() > 0) return false;
  }
  return acceptedRoles.contains(Resources::reservationRole(resource));
}

// An amount in Mesos's 0.001 steps; an amount no offer can hold is the
// largest there is.
int64_t thousandths(double amount) {
  if (!(amount > 0)) return 0;
  if (amount > 9e12) return std::numeric_limits<int64_t>::max();
  return std::llround(amount * 1000.0);
}

// Takes `amount` of the scalar `name` from the usable resources (reserved
// ones first); false when there is not enough.
bool takeScalar(const std::vector<const v1::Resource*>& usableResources, const std::string& name, double amount,
                std::vector<v1::Resource>& taken) {
  int64_t remaining = thousandths(amount);
  for (const v1::Resource* resource : usableResources) {
    if (remaining == 0) break;
    if (resource->name() != name || resource->type() != v1::Value::SCALAR) continue;
    const int64_t take = std::min(remaining, thousandths(resource->scalar().value()));
    if (take == 0) continue;
    v1::Resource part = *resource;
    part.mutable_scalar()->set_value(static_cast<double>(take) / 1000.0);
    taken.push_back(std::move(part));
    remaining -= take;
  }
  return remaining == 0;
}

bool takePorts(const std::vector<const v1::Resource*>& usableResources, const ResourceNeeds& needs,
               std::mt19937_64& random, std::vector<v1::Resource>& taken, std::vector<uint64_t>& hostPorts) {
  if (needs.ports.empty()) return true;
  std::vector<PortSource> free;
  for (size_t i = 0; i < usableResources.size(); ++i) {
    const v1::Resource& resource = *usableResources[i];
    if (resource.name() != "ports" || resource.type() != v1::Value::RANGES) continue;
    for (const auto& range : resource.ranges().range()) {
      if (range.begin() > kHighestPort || range.begin() > range.end()) continue;
      free.push_back({range.begin(), std::min(range.end(), kHighestPort), i});
    }
  }
  std::optional<std::vector<ChosenPort>> chosen =
      chooseHostPorts(std::move(free), needs.ports, needs.requirePorts, random);
  if (!chosen) return false;
  // One resource per offered resource the ports came from, each port a
  // range of its own, in the order chosen.
  std::vector<std::pair<size_t, v1::Resource>> bySource;
  for (const ChosenPort& port : *chosen) {
    hostPorts.push_back(port.port);
    auto it =
        std::find_if(bySource.begin(), bySource.end(), [&](const auto& entry) { return entry.first == port.resource; });
    if (it == bySource.end()) {
      v1::Resource part = *usableResources[port.resource];
      part.mutable_ranges()->clear_range();
      bySource.emplace_back(port.resource, std::move(part));
      it = std::prev(bySource.end());
    }
    auto* range = it->second.mutable_ranges()->add_range();
    range->set_begin(port.port);
    range->set_end(port.port);
  }
  for (auto& [source, resource] : bySource) taken.push_back(std::move(resource));
  return true;
}

}  // namespace

const char* noMatchReasonName(NoMatchReason reason) {
  switch (reason) {
    case NoMatchReason::kUnfulfilledRole: return "UnfulfilledRole";
    case NoMatchReason::kUnfulfilledConstraint: return "UnfulfilledConstraint";
    case NoMatchReason::kInsufficientCpus: return "InsufficientCpus";
    case NoMatchReason::kInsufficientMemory: return "InsufficientMemory";
    case NoMatchReason::kInsufficientDisk: return "InsufficientDisk";
    case NoMatchReason::kInsufficientGpus: return "InsufficientGpus";
    case NoMatchReason::kInsufficientPorts: return "InsufficientPorts";
  }
  return "Unknown";
}

OfferMatch matchOffer(const v1::Offer& offer, const ResourceNeeds& needs, const Resources& alreadyTaken,
                      std::mt19937_64& random) {
  std::set<std::string> acceptedRoles(needs.acceptedResourceRoles.begin(), needs.acceptedResourceRoles.end());
  if (acceptedRoles.empty()) acceptedRoles = {"*", needs.role};

  OfferMatch result;
  const Resources offered(offer.resources());
  bool anyUsable = std::any_of(offered.begin(), offered.end(),
                               [&](const v1::Resource& resource) { return usable(resource, needs, acceptedRoles); });
  if (!anyUsable) {
    result.reasons.push_back(NoMatchReason::kUnfulfilledRole);
    return result;
  }

  const Resources available = offered - alreadyTaken;
  std::vector<const v1::Resource*> usableResources;
  for (const v1::Resource& resource : available) {
    if (usable(resource, needs, acceptedRoles)) usableResources.push_back(&resource);
  }
  std::stable_partition(usableResources.begin(), usableResources.end(),
                        [](const v1::Resource* resource) { return resource->reservations_size() > 0; });

  std::vector<v1::Resource> taken;
  const std::pair<const char*, double> scalars[] = {
      {"cpus", needs.cpus}, {"mem", needs.mem}, {"disk", needs.disk}, {"gpus", needs.gpus}};
  const NoMatchReason shortOf[] = {NoMatchReason::kInsufficientCpus, NoMatchReason::kInsufficientMemory,
                                   NoMatchReason::kInsufficientDisk, NoMatchReason::kInsufficientGpus};
  for (size_t i = 0; i < std::size(scalars); ++i) {
    if (!takeScalar(usableResources, scalars[i].first, scalars[i].second, taken)) result.reasons.push_back(shortOf[i]);
  }
  if (!takePorts(usableResources, needs, random, taken, result.hostPorts)) {
    result.reasons.push_back(NoMatchReason::kInsufficientPorts);
  }
  if (result.matched()) {
    result.resources = std::move(taken);
  } else {
    result.hostPorts.clear();
  }
  return result;
}

}  // namespace tepui::services
