// Leadership with --zk: the master contends for leadership through
// ZooKeeper (registry/election.hpp) and follows until elected. A follower
// answers the API and the state endpoints with 307 and the leader's
// address (503 while no leader is known); /health, /version, /flags and
// /metrics/snapshot it serves itself. Once elected, the master reads the
// registry from ZooKeeper on a thread of its own while its loop keeps
// accepting: the calls that arrive meanwhile (agents re-registering,
// frameworks resubscribing) are held, not refused, and served in arrival
// order once the registry is in. A leader that loses its session
// stops leading at once: it reports itself unfit (onFatal) and stops, as
// a Mesos master aborts, to be restarted by its supervisor.
//
// Without --zk the master leads from the start, with the embedded registry.
#include <boost/asio/post.hpp>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

Status MasterImpl::startContending() {
  std::chrono::milliseconds timeout(static_cast<int64_t>(flags_.zk_session_timeout.count() * 1000));
  auto detector = registry::Detector::watch(flags_.zk, timeout, [this](const std::optional<std::string>& leader) {
    boost::asio::post(io_, [this, leader] { leaderChanged(leader); });
  });
  if (!detector) return detector.error().context("cannot watch the leader election");
  detector_ = std::move(*detector);
  registry::Contender::Callbacks callbacks;
  callbacks.onElected = [this] { boost::asio::post(io_, [this] { becomeLeader(); }); };
  callbacks.onLost = [this](const std::string& why) { boost::asio::post(io_, [this, why] { loseLeadership(why); }); };
  auto contender = registry::Contender::join(flags_.zk, timeout, json::toJson(masterInfo()), std::move(callbacks));
  if (!contender) return contender.error().context("cannot join the leader election");
  contender_ = std::move(*contender);
  return okStatus();
}

void MasterImpl::leaderChanged(const std::optional<std::string>& leaderJson) {
  if (stopped_) return;
  leader_.reset();
  if (leaderJson) {
    v1::MasterInfo info;
    if (auto s = json::fromJson(*leaderJson, &info); !s) {
      TLOG(WARNING) << "Ignoring a leader whose MasterInfo does not parse: " << s.error().message;
      return;
    }
    leader_ = info;
  }
  TLOG(INFO) << "The leading master is now "
             << (leader_ ? leader_->address().ip() + ":" + std::to_string(leader_->address().port()) : "unknown");
}

void MasterImpl::becomeLeader() {
  if (stopped_ || leading_ || recovering_) return;
  recovering_ = true;
  TLOG(INFO) << "Recovering the registry from ZooKeeper; calls are held until it is done";
  std::chrono::milliseconds timeout(static_cast<int64_t>(flags_.zk_session_timeout.count() * 1000));
  // Off the loop: with thousands of agents the reads take seconds, during
  // which the loop keeps accepting the agents and frameworks that come to
  // this master, so that they wait here rather than in the listen backlog.
  // The admitted agents are read as ids (one listing): that is all a
  // re-registration needs. Their AgentInfo (for /master/state and for
  // marking the ones that never return unreachable) is read afterwards, on
  // a second session, while the master serves.
  recoveryThread_ = std::thread([this, url = flags_.zk, timeout, alive = alive_] {
    Result<std::unique_ptr<registry::Store>> store = registry::openZooKeeperStore(url, timeout);
    Result<RecoveredRegistry> recovered =
        store ? readRegistry(**store, false)
              : Result<RecoveredRegistry>(store.error().context("cannot open the registry"));
    bool ok = recovered.ok();
    boost::asio::post(io_, [this, alive, store = std::move(store), recovered = std::move(recovered)]() mutable {
      if (*alive) finishRecovery(std::move(store), std::move(recovered));
    });
    if (!ok || !*alive) return;
    auto second = registry::openZooKeeperStore(url, timeout);
    Result<std::vector<v1::AgentInfo>> infos =
        second ? readAdmittedAgents(**second) : Result<std::vector<v1::AgentInfo>>(second.error());
    boost::asio::post(io_, [this, alive, infos = std::move(infos)]() mutable {
      if (*alive && !stopped_) adoptAgentInfos(std::move(infos));
    });
  });
}

void MasterImpl::finishRecovery(Result<std::unique_ptr<registry::Store>> store, Result<RecoveredRegistry> recovered) {
  recovering_ = false;  // (the thread goes on reading the agents' details; the destructor joins it)
  if (stopped_) return;
  if (!recovered) return loseLeadership(recovered.error().message);
  adoptRegistry(std::move(*store), std::move(*recovered));
  leading_ = true;
  electedTime_ = clock::wallSeconds();
  startReregisterDeadline();
  TLOG(INFO) << "This master leads now; serving the " << heldCalls_.size() << " call(s) that came meanwhile";
  serveHeldCalls();
}

bool MasterImpl::electedNotServing() const {
  return !leading_ && (recovering_ || (leader_ && leader_->id() == masterId_));
}

void MasterImpl::holdUntilRecovered(HeldCall call) { heldCalls_.push_back(std::move(call)); }

void MasterImpl::serveHeldCalls() {
  // One handler each, in arrival order, so that what arrives meanwhile
  // (pings, new connections) is not stuck behind all of them.
  for (HeldCall& held : heldCalls_) {
    boost::asio::post(io_, [this, alive = alive_, call = std::make_shared<HeldCall>(std::move(held))] {
      if (!*alive || stopped_ || call->responder.peerGone()) return;  // the caller gave up meanwhile
      call->handler(call->request, std::move(call->responder));
    });
  }
  heldCalls_.clear();
}

void MasterImpl::loseLeadership(const std::string& why) {
  if (stopped_) return;
  TLOG(ERROR) << "This master cannot lead or follow any more: " << why;
  contender_.reset();
  detector_.reset();
  auto fatal = onFatal_;
  stop();
  if (fatal) fatal(why);
}

bool MasterImpl::redirectToLeader(const http::Request& request, http::Responder& responder) {
  if (leading_) return false;
  if (electedNotServing()) {
    responder.respond(http::Response::text(503,
                                           "This master was elected and is recovering its state; try again "
                                           "shortly\n"));
    return true;
  }
  if (!leader_) {
    responder.respond(http::Response::text(503, "No master is leading at the moment; try again shortly\n"));
    return true;
  }
  auto response = http::Response::empty(307);
  response.headers["Location"] =
      "http://" + leader_->address().ip() + ":" + std::to_string(leader_->address().port()) + request.target;
  responder.respond(std::move(response));
  return true;
}

}  // namespace tepui::master
