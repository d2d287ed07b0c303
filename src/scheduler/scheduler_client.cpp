// The v1 scheduler API client (see scheduler_client.hpp).
#include "scheduler/scheduler_client.hpp"

#include "http/api_request.hpp"

namespace tepui::scheduler {

namespace {
using Call = v1::scheduler::Call;
using Event = v1::scheduler::Event;
}  // namespace

SchedulerClient::SchedulerClient(boost::asio::io_context& io, http::Endpoint master, v1::FrameworkInfo info,
                                 Callbacks callbacks, codec::ContentType type)
    : io_(io), master_(std::move(master)), info_(std::move(info)), callbacks_(std::move(callbacks)), type_(type),
      client_(io) {
  if (info_.has_id()) frameworkId_ = info_.id().value();
}

SchedulerClient::~SchedulerClient() { close(); }

void SchedulerClient::subscribe() {
  Call call;
  call.set_type(Call::SUBSCRIBE);
  if (!frameworkId_.empty()) {
    info_.mutable_id()->set_value(frameworkId_);
    call.mutable_framework_id()->set_value(frameworkId_);
  }
  *call.mutable_subscribe()->mutable_framework_info() = info_;
  auto request = http::apiRequest("/api/v1/scheduler", call, type_, true);
  decoder_ = http::recordio::Decoder();
  streamId_.clear();

  http::StreamCallbacks cb;
  cb.onHead = [this](const http::Response& head) {
    if (head.status != 200) {
      std::string why = "subscription refused (" + std::to_string(head.status) + "): " + head.body;
      if (callbacks_.onDisconnected) callbacks_.onDisconnected(why);
      return;
    }
    streamId_ = head.header("Mesos-Stream-Id").value_or("");
  };
  cb.onData = [this](std::string_view data) { onData(data); };
  cb.onEnd = [this](const Status& s) {
    bool wasSubscribed = !streamId_.empty();
    streamId_.clear();
    if (!callbacks_.onDisconnected) return;
    if (!s) callbacks_.onDisconnected(s.error().message);
    else if (wasSubscribed) callbacks_.onDisconnected("the master closed the event stream");
  };
  stream_ = client_.openStream(master_, std::move(request), std::move(cb));
}

void SchedulerClient::onData(std::string_view data) {
  std::vector<std::string> records;
  if (auto s = decoder_.feed(data, records); !s) {
    close();
    if (callbacks_.onDisconnected) callbacks_.onDisconnected("malformed event stream: " + s.error().message);
    return;
  }
  for (auto& record : records) {
    Event event;
    if (!codec::decode(record, type_, &event)) continue;
    if (event.type() == Event::SUBSCRIBED) frameworkId_ = event.subscribed().framework_id().value();
    if (callbacks_.onEvent) callbacks_.onEvent(event);
  }
}

void SchedulerClient::call(Call call, Done done) {
  call.mutable_framework_id()->set_value(frameworkId_);
  auto request = http::apiRequest("/api/v1/scheduler", call, type_);
  request.headers["Mesos-Stream-Id"] = streamId_;
  client_.request(master_, std::move(request), [done = std::move(done)](Result<http::Response> r) {
    if (done) done(std::move(r));
  });
}

void SchedulerClient::accept(const std::vector<v1::OfferID>& offers,
                             const std::vector<v1::Offer::Operation>& operations,
                             std::optional<double> refuseSeconds) {
  Call c;
  c.set_type(Call::ACCEPT);
  for (auto& o : offers) *c.mutable_accept()->add_offer_ids() = o;
  for (auto& op : operations) *c.mutable_accept()->add_operations() = op;
  if (refuseSeconds) c.mutable_accept()->mutable_filters()->set_refuse_seconds(*refuseSeconds);
  call(std::move(c));
}

void SchedulerClient::decline(const std::vector<v1::OfferID>& offers, std::optional<double> refuseSeconds) {
  Call c;
  c.set_type(Call::DECLINE);
  for (auto& o : offers) *c.mutable_decline()->add_offer_ids() = o;
  if (refuseSeconds) c.mutable_decline()->mutable_filters()->set_refuse_seconds(*refuseSeconds);
  call(std::move(c));
}

void SchedulerClient::acknowledge(const v1::TaskStatus& status) {
  if (!status.has_uuid()) return;
  Call c;
  c.set_type(Call::ACKNOWLEDGE);
  *c.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
  *c.mutable_acknowledge()->mutable_task_id() = status.task_id();
  c.mutable_acknowledge()->set_uuid(status.uuid());
  call(std::move(c));
}

void SchedulerClient::kill(const v1::TaskID& task, const std::optional<v1::AgentID>& agent,
                           std::optional<double> gracePeriod) {
  Call c;
  c.set_type(Call::KILL);
  *c.mutable_kill()->mutable_task_id() = task;
  if (agent) *c.mutable_kill()->mutable_agent_id() = *agent;
  if (gracePeriod) {
    c.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
        static_cast<int64_t>(*gracePeriod * 1e9));
  }
  call(std::move(c));
}

void SchedulerClient::reconcile(const std::vector<std::pair<v1::TaskID, std::optional<v1::AgentID>>>& tasks) {
  Call c;
  c.set_type(Call::RECONCILE);
  c.mutable_reconcile();
  for (auto& [task, agent] : tasks) {
    auto* t = c.mutable_reconcile()->add_tasks();
    *t->mutable_task_id() = task;
    if (agent) *t->mutable_agent_id() = *agent;
  }
  call(std::move(c));
}

void SchedulerClient::revive() {
  Call c;
  c.set_type(Call::REVIVE);
  call(std::move(c));
}

void SchedulerClient::shutdown(const v1::ExecutorID& executor, const v1::AgentID& agent) {
  Call c;
  c.set_type(Call::SHUTDOWN);
  *c.mutable_shutdown()->mutable_executor_id() = executor;
  *c.mutable_shutdown()->mutable_agent_id() = agent;
  call(std::move(c));
}

void SchedulerClient::suppress() {
  Call c;
  c.set_type(Call::SUPPRESS);
  call(std::move(c));
}

void SchedulerClient::teardown(Done done) {
  Call c;
  c.set_type(Call::TEARDOWN);
  call(std::move(c), std::move(done));
}

void SchedulerClient::close() {
  if (stream_) {
    stream_->cancel();
    stream_.reset();
  }
  streamId_.clear();
}

}  // namespace tepui::scheduler
