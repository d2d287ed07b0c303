// Offers: turning the allocator's allocations into OFFERS events, and every
// way an offer ends other than ACCEPT: DECLINE, rescind (agent gone,
// framework gone, --offer_timeout), each giving its resources back.
#include "common/clock.hpp"
#include "common/logging.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace {
using Event = v1::scheduler::Event;
}

void MasterImpl::makeOffers(std::vector<allocator::Allocation> allocations) {
  // One OFFERS event per framework per cycle, carrying all its offers.
  std::unordered_map<std::string, Event> events;
  for (auto& allocation : allocations) {
    auto fit = frameworks_.find(allocation.frameworkId);
    auto ait = agents_.find(allocation.agentId);
    if (fit == frameworks_.end() || ait == agents_.end() || !fit->second.active || !ait->second.active()) {
      // The world moved between allocate() and here: give it straight back.
      allocator_->recoverResources(allocation.frameworkId, allocation.agentId, allocation.resources, std::nullopt,
                                   now());
      continue;
    }
    Framework& f = fit->second;
    Agent& a = ait->second;
    std::string offerId = masterId_ + "-O" + std::to_string(nextOfferId_++);

    OfferEntry entry;
    entry.frameworkId = f.id;
    entry.agentId = a.id;
    entry.role = allocation.role;
    v1::Offer& offer = entry.offer;
    offer.mutable_id()->set_value(offerId);
    offer.mutable_framework_id()->set_value(f.id);
    offer.mutable_agent_id()->set_value(a.id);
    offer.set_hostname(a.info.hostname());
    allocation.resources.copyTo(offer.mutable_resources());
    entry.resources = std::move(allocation.resources);
    if (!f.hasCapability(v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT)) {
      conversions::toPreRefinementFormat(offer.mutable_resources());
    }
    *offer.mutable_attributes() = a.info.attributes();
    offer.mutable_allocation_info()->set_role(allocation.role);
    if (a.info.has_domain()) *offer.mutable_domain() = a.info.domain();
    auto colon = a.address.rfind(':');
    if (colon != std::string::npos) {
      auto* url = offer.mutable_url();
      url->set_scheme("http");
      url->mutable_address()->set_hostname(a.info.hostname());
      url->mutable_address()->set_ip(a.address.substr(0, colon));
      url->mutable_address()->set_port(std::atoi(a.address.c_str() + colon + 1));
      url->set_path("/slave(1)");
    }
    for (auto e = f.executors.lower_bound({a.id, ""}); e != f.executors.end() && e->first.first == a.id; ++e) {
      *offer.add_executor_ids() = e->second.info.executor_id();
    }

    auto& event = events[f.id];
    event.set_type(Event::OFFERS);
    *event.mutable_offers()->add_offers() = offer;

    if (flags_.offer_timeout) {
      entry.expiry = std::make_unique<Timer>(io_);
      entry.expiry->expires_after(clock::seconds(flags_.offer_timeout->count()));
      entry.expiry->async_wait([this, offerId](const boost::system::error_code& ec) {
        if (ec) return;
        TLOG(INFO) << "Offer " << offerId << " timed out; rescinding it";
        removeOffer(offerId, true, std::nullopt);
      });
    }
    f.offers.insert(offerId);
    a.offers.insert(offerId);
    offers_.emplace(offerId, std::move(entry));
    counters_.offersSent++;
  }
  for (auto& [frameworkId, event] : events) sendToFramework(frameworks_.at(frameworkId), event);
}

void MasterImpl::removeOffer(const std::string& offerId, bool rescind, std::optional<double> refuseSeconds) {
  auto it = offers_.find(offerId);
  if (it == offers_.end()) return;
  OfferEntry entry = std::move(it->second);
  offers_.erase(it);
  if (entry.expiry) entry.expiry->cancel();
  auto fit = frameworks_.find(entry.frameworkId);
  if (fit != frameworks_.end()) {
    fit->second.offers.erase(offerId);
    if (rescind) {
      Event event;
      event.set_type(Event::RESCIND);
      event.mutable_rescind()->mutable_offer_id()->set_value(offerId);
      sendToFramework(fit->second, event);
      counters_.offersRescinded++;
    }
  }
  auto ait = agents_.find(entry.agentId);
  if (ait != agents_.end()) ait->second.offers.erase(offerId);
  allocator_->recoverResources(entry.frameworkId, entry.agentId, entry.resources, refuseSeconds, now());
  requestAllocation();
}

void MasterImpl::rescindOffersOf(std::set<std::string> offerIds) {
  for (auto& offerId : offerIds) removeOffer(offerId, true, std::nullopt);
}

void MasterImpl::decline(Framework& framework, const v1::scheduler::Call::Decline& decline) {
  double refuse = refuseSeconds(decline.has_filters(), decline.filters());
  for (auto& offerId : decline.offer_ids()) {
    auto it = offers_.find(offerId.value());
    if (it == offers_.end() || it->second.frameworkId != framework.id) {
      TLOG(WARNING) << "Framework " << framework.id << " declined unknown offer " << offerId.value();
      continue;
    }
    counters_.offersDeclined++;
    removeOffer(offerId.value(), false, refuse);
  }
}

}  // namespace tepui::master
