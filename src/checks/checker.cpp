// Checker (see checks.hpp): a CheckStatusInfo from each attempt, reported
// when it differs from the previous one.
#include "checks/probe.hpp"
#include "common/logging.hpp"

namespace tepui::checks {

namespace {

class CheckLoop final : public ProbeLoop {
 public:
  CheckLoop(boost::asio::io_context& io, const v1::CheckInfo& check, CheckContext context, Checker::Callback callback)
      : ProbeLoop(io, probeSpecOf(check, check.command().command()), std::move(context)),
        name_(v1::CheckInfo::Type_Name(check.type()) + " check"),
        empty_(Checker::emptyStatus(check)),
        previous_(empty_),
        callback_(std::move(callback)) {}

 private:
  void onOutcome(const ProbeOutcome& outcome) override {
    v1::CheckStatusInfo status = empty_;
    if (outcome.exitCode) status.mutable_command()->set_exit_code(*outcome.exitCode);
    if (outcome.httpStatus) status.mutable_http()->set_status_code(static_cast<uint32_t>(*outcome.httpStatus));
    if (outcome.connected) status.mutable_tcp()->set_succeeded(*outcome.connected);
    if (!outcome.hasResult()) TLOG(WARNING) << name_ << " gave no result: " << outcome.description;
    if (status.SerializeAsString() == previous_.SerializeAsString()) return;
    TLOG(INFO) << name_ << ": " << outcome.description;
    previous_ = status;
    callback_(status);
  }

  const std::string name_;
  const v1::CheckStatusInfo empty_;
  v1::CheckStatusInfo previous_;
  Checker::Callback callback_;
};

}  // namespace

v1::CheckStatusInfo Checker::emptyStatus(const v1::CheckInfo& check) {
  v1::CheckStatusInfo status;
  status.set_type(check.type());
  switch (check.type()) {
    case v1::CheckInfo::COMMAND: status.mutable_command(); break;
    case v1::CheckInfo::HTTP: status.mutable_http(); break;
    case v1::CheckInfo::TCP: status.mutable_tcp(); break;
    default: break;
  }
  return status;
}

Result<std::unique_ptr<Checker>> Checker::start(boost::asio::io_context& io, const v1::CheckInfo& check,
                                                CheckContext context, Callback callback) {
  if (auto valid = validateCheck(check); !valid) return valid.error();
  auto loop = std::make_shared<CheckLoop>(io, check, std::move(context), std::move(callback));
  loop->start();
  return std::unique_ptr<Checker>(new Checker(std::move(loop)));
}

Checker::~Checker() { stop(); }

void Checker::stop() { loop_->stop(); }

}  // namespace tepui::checks
