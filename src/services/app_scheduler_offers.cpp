// AppScheduler (app_scheduler.hpp): launching scheduled instances on offers.
#include <boost/json.hpp>

#include "common/logging.hpp"
#include "frameworks/framework_link.hpp"
#include "services/agent_facts.hpp"
#include "services/app_scheduler.hpp"
#include "services/offer_placement.hpp"
#include "services/state.hpp"
#include "services/task_builder.hpp"

namespace tepui::services {

namespace {

ResourceNeeds needsOf(const AppDefinition& app, const std::string& frameworkRole) {
  ResourceNeeds needs;
  needs.cpus = app.cpus;
  needs.mem = app.mem;
  needs.disk = app.disk;
  needs.gpus = static_cast<double>(app.gpus);
  for (auto& p : app.portDefinitions) needs.ports.push_back({static_cast<uint64_t>(p.port), p.name.value_or("")});
  needs.requirePorts = app.requirePorts;
  needs.acceptedResourceRoles = app.acceptedResourceRoles;
  needs.role = app.role.value_or(frameworkRole);
  return needs;
}

}  // namespace

// The agents of an app's counted instances, for its constraints.
std::vector<AgentFacts> AppScheduler::placedAgents(const std::string& appId) const {
  std::vector<AgentFacts> out;
  for (const Instance* i : instancesOf(appId)) {
    if (i->scheduled || i->terminal() || i->goal != Instance::Goal::RUNNING) continue;
    if (const AgentFacts* facts = view_.agent(i->agentId)) {
      out.push_back(*facts);
    } else {
      // Not offered since this leader started: what the instance recorded.
      out.push_back(AgentFacts{i->agentId, i->host, i->region, i->zone, i->agentAttributes});
    }
  }
  return out;
}

void AppScheduler::onOffers(const std::vector<v1::Offer>& offers) {
  FrameworkLink& link = leader_.framework;
  const double t = now();
  const auto& info = link.client().frameworkInfo();
  const std::string frameworkRole = info.roles_size() ? info.roles(0) : info.role().empty() ? "*" : info.role();
  for (auto& offer : offers) view_.update(agentFacts(offer), t);
  // The scheduled instances that may launch now, by app, oldest app first.
  std::map<std::string, std::vector<Instance*>> waiting;
  std::vector<std::string> order;
  bool anyScheduled = false;  // also those held back by their launch delay
  for (auto& [id, i] : instances_) {
    if (!i.scheduled || i.goal != Instance::Goal::RUNNING) continue;
    anyScheduled = true;
    const AppDefinition* definition = nullptr;
    goalOf(i.appId, &definition);
    if (!definition || definition->versionInfo.lastConfigChangeAt != i.configVersion) continue;
    if (!delays_.mayLaunch(i.appId, definition->version, t)) continue;
    auto& list = waiting[i.appId];
    if (list.empty()) order.push_back(i.appId);
    list.push_back(&i);
  }
  std::map<std::string, std::vector<AgentFacts>> placed;
  Repository::Change change;
  std::vector<std::pair<v1::OfferID, std::vector<v1::TaskInfo>>> accepts;
  std::vector<v1::OfferID> declines;
  bool unplaced = false;
  for (auto& offer : offers) {
    const AgentFacts facts = agentFacts(offer);  // recorded with each instance launched on it
    Resources taken;
    std::vector<v1::TaskInfo> tasks;
    for (auto& appId : order) {
      auto& list = waiting[appId];
      if (list.empty() || tasks.size() >= options_.maxInstancesPerOffer) continue;
      const AppDefinition* definition = nullptr;
      goalOf(appId, &definition);
      ResourceNeeds needs = needsOf(*definition, frameworkRole);
      auto [it, fresh] = placed.try_emplace(appId);
      if (fresh) it->second = placedAgents(appId);
      size_t wanted = std::min(list.size(), options_.maxInstancesPerOffer - tasks.size());
      OfferPlacement placement =
          placeOnOffer(offer, needs, constraints_[appId], it->second, view_, wanted, taken, random_);
      OfferStats& stats = offerStats_[appId];
      stats.processed++;
      if (!placement.reasons.empty()) {
        unplaced = true;
        if (placement.launches.empty()) {
          stats.unused++;
          stats.lastUnusedAt = t;
          stats.rejected[noMatchReasonName(placement.reasons.front())]++;
        }
      }
      for (auto& match : placement.launches) {
        Instance* i = list.front();
        list.erase(list.begin());
        tasks.push_back(
            buildTask(*definition, offer, match,
                      {.taskId = i->id, .defaultUser = options_.defaultUser, .envPrefix = options_.envPrefix}));
        i->scheduled = false;
        i->version = definition->version;
        i->state = v1::TASK_STAGING;
        i->agentId = offer.agent_id().value();
        i->host = offer.hostname();
        i->region = facts.region;
        i->zone = facts.zone;
        i->agentAttributes = facts.attributes;
        i->ports.assign(match.hostPorts.begin(), match.hostPorts.end());
        i->servicePorts.clear();
        for (auto& p : definition->portDefinitions) i->servicePorts.push_back(static_cast<uint32_t>(p.port));
        i->role = needs.role;
        i->stagedAt = t;
        change.put(kInstances, i->id, toRecord(*i));
        it->second.push_back(facts);
      }
    }
    if (tasks.empty()) {
      declines.push_back(offer.id());
    } else {
      accepts.emplace_back(offer.id(), std::move(tasks));
    }
  }
  if (!declines.empty()) {
    // Declined for long only when nothing waits at all; a new scheduled
    // instance then revives the offers (updateOfferInterest).
    bool wait = unplaced || anyScheduled;
    link.client().decline(declines, wait ? options_.retryDeclineSeconds : options_.declineSeconds);
    if (!wait) declinedLong_ = true;
  }
  if (accepts.empty()) return;
  // The launched instances are durable before any task starts: a new leader
  // knows them and reconciles them, never launching them again.
  leader_.repository.commit(std::move(change), [this, alive = alive_, accepts = std::move(accepts)](const Status& s) {
    if (!*alive || !s) return;
    FrameworkLink& link = leader_.framework;
    for (auto& [offerId, tasks] : accepts) {
      v1::Offer::Operation launch;
      launch.set_type(v1::Offer::Operation::LAUNCH);
      for (auto& task : tasks) {
        *launch.mutable_launch()->add_task_infos() = task;
        TLOG(INFO) << "Launching instance " << task.task_id().value() << " on " << task.agent_id().value();
      }
      link.client().accept({offerId}, {launch});
    }
  });
  updateOfferInterest();
}

}  // namespace tepui::services
