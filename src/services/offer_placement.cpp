#include "services/offer_placement.hpp"

#include <algorithm>

namespace tepui::services {

OfferPlacement placeOnOffer(const v1::Offer& offer, const ResourceNeeds& needs,
                            const std::vector<Constraint>& constraints, std::vector<AgentFacts> placed,
                            const ClusterView& view, size_t wanted, Resources& taken, std::mt19937_64& random) {
  OfferPlacement result;
  const AgentFacts agent = agentFacts(offer);
  while (result.launches.size() < wanted) {
    OfferMatch match = matchOffer(offer, needs, taken, random);
    const bool roleUnfulfilled =
        std::find(match.reasons.begin(), match.reasons.end(), NoMatchReason::kUnfulfilledRole) != match.reasons.end();
    if (!roleUnfulfilled) {
      result.unmetConstraint = firstUnmetConstraint(constraints, agent, placed, view);
      if (result.unmetConstraint) {
        result.reasons = {NoMatchReason::kUnfulfilledConstraint};
        break;
      }
    }
    if (!match.matched()) {
      result.reasons = std::move(match.reasons);
      break;
    }
    taken += Resources(match.resources);
    placed.push_back(agent);
    result.launches.push_back(std::move(match));
  }
  return result;
}

}  // namespace tepui::services
