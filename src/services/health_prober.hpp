// The services leader's prober of the health checks it runs itself (apps
// with several HTTP/TCP checks, schedulerProbes() in app.hpp).
//
// Contract:
// - update() gives the instances to probe now: the running ones of such
//   apps, with their host, host ports and start time. Instances left out
//   (not running, unreachable, being killed, gone) are forgotten with their
//   results; one that comes back starts again from "unknown".
// - Each check of each instance is probed first when the instance enters,
//   then every intervalSeconds (due times are looked at on each update();
//   the scheduler calls it every second). A check whose probe is still
//   queued or in flight is not probed again meanwhile.
// - At most `maxConcurrent` probes are in flight; the rest wait in a FIFO
//   queue (the services' --max_concurrent_health_checks).
// - Each result goes through recordProbe() (health_policy.hpp) and is
//   reported with the instance's per-check states. A report whose verdict
//   says kill ends the probing of that instance: the scheduler kills it.
// - A new prober (a new leader) knows nothing: every instance starts from
//   "unknown", which never kills.
//
// The probe itself and the clock are injected (NetworkProbe and the wall
// clock in the daemon; fakes in tests). Threading: the daemon's loop only;
// no report runs after the prober is destroyed.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "services/app.hpp"
#include "services/health_policy.hpp"
#include "services/health_probe.hpp"
#include "services/instance.hpp"

namespace tepui::services {

struct ProbedInstance {
  std::string id;
  std::string host;
  std::vector<uint32_t> ports;  // host ports, in portDefinitions' order
  double startedAt = 0;         // epoch seconds: its first TASK_RUNNING
  std::vector<HealthCheck> checks;
};

// What the prober did, for /metrics (services/health/*); kept by the
// daemon across terms. The gauges are the current prober's (0 without one).
struct HealthProbeCounters {
  uint64_t passed = 0, failed = 0, ignored = 0;  // probes ended so
  uint64_t kills = 0;                            // instances to kill
  size_t inFlight = 0, queued = 0;
};

struct ProbeReport {
  const std::string& instanceId;
  size_t check;  // index in the instance's checks
  const ProbeOutcome& outcome;
  CheckVerdict verdict;
  const std::vector<HealthState>& states;  // every check's, after this result
};

class HealthProber {
 public:
  using Probe = std::function<void(const ProbeTarget&, ProbeDone)>;
  using Clock = std::function<double()>;
  using Report = std::function<void(const ProbeReport&)>;

  HealthProber(Probe probe, Clock clock, size_t maxConcurrent, Report report, HealthProbeCounters* counters);
  ~HealthProber();
  HealthProber(const HealthProber&) = delete;
  HealthProber& operator=(const HealthProber&) = delete;

  void update(const std::vector<ProbedInstance>& instances);

  // The per-check states of an instance being probed (null: not probed).
  const std::vector<HealthState>* states(const std::string& instanceId) const;
  size_t inFlight() const { return inFlight_; }
  size_t queued() const { return queue_.size(); }

 private:
  enum class Slot { kIdle, kQueued, kProbing };
  struct Entry {
    ProbedInstance instance;
    uint64_t serial = 0;  // tells a re-entered instance from its earlier self
    std::vector<HealthState> states;
    std::vector<double> due;
    std::vector<Slot> slots;
    bool killed = false;
  };
  struct Queued {
    std::string instanceId;
    uint64_t serial;
    size_t check;
  };

  void pump();
  void count(const ProbeOutcome& outcome, const CheckVerdict& verdict);
  void finished(const Queued& q, const ProbeOutcome& outcome);
  static ProbeTarget targetOf(const ProbedInstance& instance, size_t check);

  Probe probe_;
  Clock clock_;
  size_t maxConcurrent_;
  Report report_;
  HealthProbeCounters* counters_;
  std::map<std::string, Entry> entries_;
  std::deque<Queued> queue_;
  size_t inFlight_ = 0;
  uint64_t nextSerial_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tepui::services
