#include "services/health_prober.hpp"

#include <set>

#include "common/logging.hpp"

namespace tepui::services {

HealthProber::HealthProber(Probe probe, Clock clock, size_t maxConcurrent, Report report, HealthProbeCounters* counters)
    : probe_(std::move(probe)),
      clock_(std::move(clock)),
      maxConcurrent_(std::max<size_t>(maxConcurrent, 1)),
      report_(std::move(report)),
      counters_(counters) {}

HealthProber::~HealthProber() {
  *alive_ = false;
  counters_->inFlight = counters_->queued = 0;
}

void HealthProber::count(const ProbeOutcome& outcome, const CheckVerdict& verdict) {
  switch (outcome.result) {
    case ProbeOutcome::Result::kPassed: counters_->passed++; break;
    case ProbeOutcome::Result::kFailed: counters_->failed++; break;
    case ProbeOutcome::Result::kIgnored: counters_->ignored++; break;
  }
  if (verdict.kill) counters_->kills++;
}

const std::vector<HealthState>* HealthProber::states(const std::string& instanceId) const {
  auto it = entries_.find(instanceId);
  return it == entries_.end() ? nullptr : &it->second.states;
}

ProbeTarget HealthProber::targetOf(const ProbedInstance& instance, size_t check) {
  const HealthCheck& c = instance.checks[check];
  ProbeTarget target;
  target.protocol = c.protocol;
  target.host = instance.host;
  if (c.port) {
    target.port = static_cast<uint16_t>(*c.port);
  } else if (auto index = static_cast<size_t>(c.portIndex.value_or(0)); index < instance.ports.size()) {
    target.port = static_cast<uint16_t>(instance.ports[index]);
  }
  target.path = c.path;
  target.ignoreHttp1xx = c.ignoreHttp1xx;
  target.timeoutSeconds = static_cast<double>(c.timeoutSeconds);
  return target;
}

void HealthProber::update(const std::vector<ProbedInstance>& instances) {
  const double now = clock_();
  std::set<std::string> present;
  for (const ProbedInstance& i : instances) {
    present.insert(i.id);
    auto [it, added] = entries_.try_emplace(i.id);
    Entry& e = it->second;
    if (added || e.instance.checks != i.checks) {
      e.serial = nextSerial_++;
      e.states.assign(i.checks.size(), HealthState{});
      e.due.assign(i.checks.size(), now);
      e.slots.assign(i.checks.size(), Slot::kIdle);
      e.killed = false;
    }
    e.instance = i;
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = present.contains(it->first) ? std::next(it) : entries_.erase(it);
  }
  for (auto& [id, e] : entries_) {
    if (e.killed) continue;
    for (size_t k = 0; k < e.slots.size(); ++k) {
      if (e.slots[k] != Slot::kIdle || now < e.due[k]) continue;
      e.slots[k] = Slot::kQueued;
      e.due[k] = now + static_cast<double>(e.instance.checks[k].intervalSeconds);
      queue_.push_back({id, e.serial, k});
    }
  }
  pump();
}

void HealthProber::pump() {
  while (inFlight_ < maxConcurrent_ && !queue_.empty()) {
    Queued q = queue_.front();
    queue_.pop_front();
    auto it = entries_.find(q.instanceId);
    if (it == entries_.end() || it->second.serial != q.serial || it->second.killed) continue;
    it->second.slots[q.check] = Slot::kProbing;
    ++inFlight_;
    probe_(targetOf(it->second.instance, q.check), [this, alive = alive_, q](ProbeOutcome outcome) {
      if (!*alive) return;
      --inFlight_;
      finished(q, outcome);
      pump();
    });
  }
  counters_->inFlight = inFlight_;
  counters_->queued = queue_.size();
}

void HealthProber::finished(const Queued& q, const ProbeOutcome& outcome) {
  auto it = entries_.find(q.instanceId);
  if (it == entries_.end() || it->second.serial != q.serial) return;  // forgotten meanwhile
  Entry& e = it->second;
  e.slots[q.check] = Slot::kIdle;
  if (e.killed) return;
  CheckVerdict verdict =
      recordProbe(e.instance.checks[q.check], e.instance.startedAt, outcome, clock_(), e.states[q.check]);
  count(outcome, verdict);
  if (verdict.kill) e.killed = true;
  // The report may update() (and so erase entries): it gets copies.
  std::string id = q.instanceId;
  std::vector<HealthState> states = e.states;
  report_(ProbeReport{id, q.check, outcome, verdict, states});
}

}  // namespace tepui::services
