// Engine (engine.hpp): matching queued runs to offers.
#include <algorithm>

#include "jobs/engine.hpp"
#include "jobs/offer_fit.hpp"
#include "jobs/run_task.hpp"

namespace tepui::jobs {

namespace {

std::string agentUrlOf(const v1::Offer& offer) {
  if (!offer.has_url()) return "";
  const v1::Address& a = offer.url().address();
  // The address first: it reaches the agent wherever the master does (a
  // host name need not resolve where the link is opened).
  const std::string host = a.ip().empty() ? a.hostname() : a.ip();
  if (host.empty()) return "";
  return (offer.url().scheme().empty() ? "http" : offer.url().scheme()) + "://" + host + ":" + std::to_string(a.port());
}

}  // namespace

OfferDecision Engine::offers(const std::vector<v1::Offer>& offers, Millis now) {
  const int64_t t = toMillis(now);
  std::vector<Run*> queue;
  std::set<std::string> busy;  // jobs with a run in flight
  for (auto& [id, run] : active_) {
    if (run.state != RunState::kQueued)
      busy.insert(run.job);
    else if (run.notBefore <= t && graph_.find(run.job) != nullptr)
      queue.push_back(&run);
  }
  // High-priority jobs first, then the oldest queued, then the oldest due.
  auto rank = [&](const Run* r) {
    return std::make_tuple(!graph_.find(r->job)->highPriority, r->queuedAt.value_or(0), r->due, r->taskId);
  };
  std::sort(queue.begin(), queue.end(), [&](const Run* a, const Run* b) { return rank(a) < rank(b); });

  OfferDecision decision;
  std::vector<Resources> left;
  std::vector<OfferLaunch> launches(offers.size());
  for (const v1::Offer& offer : offers) left.emplace_back(offer.resources());
  for (Run* run : queue) {
    const Job& job = *graph_.find(run->job);
    if (!job.concurrent && busy.count(job.name)) continue;
    for (size_t i = 0; i < offers.size(); ++i) {
      if (!constraintsMatch(job.constraints, offers[i])) continue;
      std::optional<std::vector<v1::Resource>> taken =
          takeResources(left[i], TaskNeeds{job.cpus, job.mem, job.disk}, options_.role);
      if (!taken) continue;
      left[i] -= Resources(*taken);
      run->state = RunState::kLaunching;
      run->launchedAt = t;
      run->agentId = offers[i].agent_id().value();
      run->hostname = offers[i].hostname();
      run->agentUrl = agentUrlOf(offers[i]);
      launches[i].tasks.push_back(buildTask(job, *run, offers[i], *taken));
      // The agent serves the run's sandbox under its virtual path; a command
      // task's executor is named after the task.
      const v1::TaskInfo& task = launches[i].tasks.back();
      const std::string executor = task.has_executor() ? task.executor().executor_id().value() : task.task_id().value();
      run->sandbox = sandboxLink(
          run->agentUrl, "/frameworks/" + offers[i].framework_id().value() + "/executors/" + executor + "/runs/latest");
      writeRun(*run, decision.effects);
      busy.insert(job.name);
      break;
    }
  }
  for (size_t i = 0; i < offers.size(); ++i) {
    if (launches[i].tasks.empty()) {
      decision.declines.push_back(offers[i].id());
      continue;
    }
    launches[i].offerId = offers[i].id();
    launches[i].agentId = offers[i].agent_id();
    decision.launches.push_back(std::move(launches[i]));
  }
  return decision;
}

}  // namespace tepui::jobs
