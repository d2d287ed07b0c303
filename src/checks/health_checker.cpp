// HealthChecker (see checks.hpp): Mesos's health semantics on top of a
// ProbeLoop: grace period, consecutive failures, a kill request.
#include "checks/probe.hpp"
#include "common/logging.hpp"

namespace tepui::checks {

namespace {

ProbeSpec probeSpec(const v1::HealthCheck& check) {
  ProbeSpec spec = probeSpecOf(check, check.command());
  auto protocol = check.type() == v1::HealthCheck::HTTP ? check.http().protocol() : check.tcp().protocol();
  spec.ipv6 = protocol == v1::NetworkInfo::IPv6;
  return spec;
}

// Healthy: exit status 0, an HTTP status in [200, 399] (Mesos's rule; the
// `statuses` field is not consulted, as in Mesos), a TCP connect.
bool passed(const ProbeOutcome& outcome) {
  if (outcome.exitCode) return *outcome.exitCode == 0;
  if (outcome.httpStatus) return *outcome.httpStatus >= 200 && *outcome.httpStatus < 400;
  return outcome.connected.value_or(false);
}

class HealthLoop final : public ProbeLoop {
 public:
  HealthLoop(boost::asio::io_context& io, const v1::HealthCheck& check, CheckContext context,
             HealthChecker::Callback callback)
      : ProbeLoop(io, probeSpec(check), std::move(context)),
        name_(v1::HealthCheck::Type_Name(check.type()) + " health check"),
        gracePeriod_(check.grace_period_seconds()),
        maxFailures_(check.consecutive_failures()),
        callback_(std::move(callback)) {}

 private:
  void onOutcome(const ProbeOutcome& outcome) override {
    if (passed(outcome)) return success();
    failure(name_ + " failed: " + outcome.description);
  }

  void success() {
    consecutiveFailures_ = 0;
    everHealthy_ = true;
    if (reported_ == true) return;
    reported_ = true;
    TLOG(INFO) << name_ << " passed";
    callback_(HealthChecker::Health{true, false, 0, ""});
  }

  void failure(const std::string& message) {
    if (!everHealthy_ && gracePeriod_ > 0 && secondsSinceStart() <= gracePeriod_) {
      TLOG(INFO) << message << " (ignored: within the grace period)";
      return;
    }
    ++consecutiveFailures_;
    TLOG(WARNING) << message << " (consecutive failure " << consecutiveFailures_ << " of " << maxFailures_ << ")";
    bool kill = consecutiveFailures_ >= maxFailures_;
    if (kill) stop();  // the task is going away: nothing more to report
    if (reported_ == false && !kill) return;
    reported_ = false;
    callback_(HealthChecker::Health{false, kill, consecutiveFailures_, message});
  }

  const std::string name_;
  const double gracePeriod_;
  const uint32_t maxFailures_;
  HealthChecker::Callback callback_;
  std::optional<bool> reported_;  // the health last told to the callback
  bool everHealthy_ = false;
  uint32_t consecutiveFailures_ = 0;
};

}  // namespace

Result<std::unique_ptr<HealthChecker>> HealthChecker::start(boost::asio::io_context& io, const v1::HealthCheck& check,
                                                            CheckContext context, Callback callback) {
  if (auto valid = validateHealthCheck(check); !valid) return valid.error();
  auto loop = std::make_shared<HealthLoop>(io, check, std::move(context), std::move(callback));
  loop->start();
  return std::unique_ptr<HealthChecker>(new HealthChecker(std::move(loop)));
}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::stop() { loop_->stop(); }

}  // namespace tepui::checks
