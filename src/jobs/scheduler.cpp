#include "jobs/scheduler.hpp"

#include <chrono>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "frameworks/framework_link.hpp"
#include "frameworks/repository.hpp"

namespace tepui::jobs {

namespace {

// A task id and its agent (if known), as the scheduler calls take them.
std::pair<v1::TaskID, std::optional<v1::AgentID>> taskOf(const Kill& k) {
  std::pair<v1::TaskID, std::optional<v1::AgentID>> task;
  task.first.set_value(k.taskId);
  if (!k.agentId.empty()) {
    task.second.emplace();
    task.second->set_value(k.agentId);
  }
  return task;
}

}  // namespace

JobScheduler::JobScheduler(boost::asio::io_context& io, frameworks::Leader& leader, JobSchedulerOptions options,
                           Notifier* notifier)
    : io_(io),
      leader_(leader),
      options_(std::move(options)),
      notifier_(notifier),
      engine_(options_.engine),
      timer_(io),
      reconcileTimer_(io) {}

JobScheduler::~JobScheduler() {
  *alive_ = false;
  timer_.cancel();
  reconcileTimer_.cancel();
}

Millis JobScheduler::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

void JobScheduler::start() {
  frameworks::Repository& repo = leader_.repository;
  EngineDocuments docs{repo.all(kJobsCollection), repo.all(kJobStateCollection), repo.all(kActiveCollection),
                       repo.all(kRunsCollection)};
  for (const std::string& problem : engine_.load(docs, now())) TLOG(WARNING) << "Skipping stored " << problem;
  TLOG(INFO) << "Leading with " << engine_.graph().jobs().size() << " jobs and " << engine_.active().size()
             << " active runs";

  auto& callbacks = leader_.framework.callbacks();
  callbacks.tasksToReconcile = [this] { return tasksToReconcile(); };
  callbacks.onOffers = [this](const std::vector<v1::Offer>& offers) { onOffers(offers); };
  callbacks.onUpdate = [this](const v1::TaskStatus& status, frameworks::FrameworkLink::Ack ack) {
    onUpdate(status, std::move(ack));
  };
  callbacks.onSubscribed = [this](const std::string&) {
    suppressed_ = false;  // a new subscription starts unsuppressed
    updateOfferInterest();
  };
  wake();
  reconcileLater();
}

frameworks::FrameworkLink::TaskList JobScheduler::tasksToReconcile() const {
  frameworks::FrameworkLink::TaskList tasks;
  for (const Kill& k : engine_.tasksToReconcile()) tasks.push_back(taskOf(k));
  return tasks;
}

void JobScheduler::reconcileLater() {
  reconcileTimer_.expires_after(clock::seconds(options_.reconcileSeconds));
  reconcileTimer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    if (frameworks::FrameworkLink::TaskList tasks = tasksToReconcile();
        leader_.framework.subscribed() && !tasks.empty())
      leader_.framework.client().reconcile(tasks);
    reconcileLater();
  });
}

void JobScheduler::apply(Effects effects, std::function<void(const Status&)> done) {
  auto act = [this, alive = alive_, kills = std::move(effects.kills), notifications = std::move(effects.notifications),
              done = std::move(done)](const Status& s) {
    if (!*alive) return;
    if (s) {
      for (const Kill& k : kills) {
        auto [id, agent] = taskOf(k);
        if (leader_.framework.subscribed()) leader_.framework.client().kill(id, agent);
      }
      if (notifier_ != nullptr)
        for (const Notification& n : notifications) notifier_->notify(n);
    }
    if (done) done(s);
  };
  if (effects.writes.empty()) {
    act(okStatus());
  } else {
    frameworks::Repository::Change change;
    for (DocWrite& w : effects.writes) {
      if (w.doc)
        change.put(w.collection, w.id, std::move(*w.doc));
      else
        change.erase(w.collection, w.id);
    }
    leader_.repository.commit(std::move(change), std::move(act));
  }
  arm();
  updateOfferInterest();
}

void JobScheduler::onOffers(const std::vector<v1::Offer>& offers) {
  OfferDecision decision = engine_.offers(offers, now());
  auto& client = leader_.framework.client();
  if (!decision.declines.empty())
    client.decline(decision.declines,
                   engine_.wantsOffers(now()) ? options_.retryDeclineSeconds : options_.declineSeconds);
  if (decision.launches.empty()) return;
  apply(std::move(decision.effects), [this, alive = alive_, launches = std::move(decision.launches)](const Status& s) {
    if (!*alive || !leader_.framework.subscribed()) return;
    for (const OfferLaunch& l : launches) {
      if (!s) {
        leader_.framework.client().decline({l.offerId});
        continue;
      }
      v1::Offer::Operation op;
      op.set_type(v1::Offer::Operation::LAUNCH);
      for (const v1::TaskInfo& t : l.tasks) *op.mutable_launch()->add_task_infos() = t;
      TLOG(INFO) << "Launching " << l.tasks.size() << " run(s) on agent " << l.agentId.value();
      leader_.framework.client().accept({l.offerId}, {op});
    }
  });
}

void JobScheduler::onUpdate(const v1::TaskStatus& status, std::function<void()> ack) {
  apply(engine_.update(status, now()), [ack = std::move(ack)](const Status& s) {
    if (s) ack();  // acknowledged once its effect is durable
  });
}

void JobScheduler::wake() { apply(engine_.tick(now()), {}); }

void JobScheduler::arm() {
  std::optional<Millis> at = engine_.nextWake();
  timer_.cancel();
  if (!at) return;
  auto delay = std::max(std::chrono::milliseconds(0), *at - now());
  timer_.expires_after(delay);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    wake();
  });
}

void JobScheduler::updateOfferInterest() {
  if (!leader_.framework.subscribed()) return;
  const bool wanted = engine_.wantsOffers(now());
  if (wanted && suppressed_) {
    leader_.framework.client().revive();
    suppressed_ = false;
  } else if (!wanted && !suppressed_) {
    leader_.framework.client().suppress();
    suppressed_ = true;
  }
}

}  // namespace tepui::jobs
