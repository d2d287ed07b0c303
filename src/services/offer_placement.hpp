// Placing as many instances of one app as fit on one offer: constraints
// (placement.hpp) and resources (offer_match.hpp) together, instance by
// instance, each placement counting for the next (so UNIQUE hostname puts
// one instance on an offer, MAX_PER n at most n).
//
// For an instance that does not fit, the reasons are Marathon-compatible
// in their precedence: UnfulfilledRole when nothing in the offer is
// usable; otherwise UnfulfilledConstraint when a constraint fails (with
// its index); otherwise the resources that fall short.
//
// The caller updates the ClusterView with the offer's agent (agentFacts)
// before calling, so GROUP_BY knows the agent's group.
#pragma once

#include <optional>
#include <random>
#include <vector>

#include "services/agent_facts.hpp"
#include "services/constraints.hpp"
#include "services/offer_match.hpp"
#include "services/placement.hpp"

namespace tepui::services {

struct OfferPlacement {
  std::vector<OfferMatch> launches;  // one per instance placed, all matched
  // Why one more instance did not fit; empty when `wanted` were placed.
  std::vector<NoMatchReason> reasons;
  std::optional<size_t> unmetConstraint;  // with UnfulfilledConstraint
};

// Up to `wanted` instances on `offer`; `placed` are the agents of the
// app's instances placed so far (the new ones are counted on top).
// `taken` is what earlier placements (of other apps too) took from the
// offer; each launch adds its resources to it.
OfferPlacement placeOnOffer(const v1::Offer& offer, const ResourceNeeds& needs,
                            const std::vector<Constraint>& constraints, std::vector<AgentFacts> placed,
                            const ClusterView& view, size_t wanted, Resources& taken, std::mt19937_64& random);

}  // namespace tepui::services
