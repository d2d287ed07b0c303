// Tests of a master elected through a real ZooKeeper while it recovers a
// large registry (5,000 agents, 5,000 frameworks): the calls that come to it in that window (schedulers,
// operators, agents) are held and answered once it leads, not refused with
// 503 or redirected to itself.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "cluster.hpp"
#include "registry/election.hpp"
#include "registry/store.hpp"
#include "support/zookeeper_server.hpp"

namespace tepui::testing {
namespace {

// Writes `n` admitted agents and `n` frameworks into the registry at `url`,
// as a master that admitted them would have.
void fillRegistry(const std::string& url, int n) {
  auto store = registry::openZooKeeperStore(url, 5s);
  ASSERT_TRUE(store.ok()) << store.error().message;
  std::vector<registry::Write> batch;
  for (int i = 0; i < n; ++i) {
    v1::AgentInfo agent;
    agent.mutable_id()->set_value("recovered-S" + std::to_string(i));
    agent.set_hostname("agent-" + std::to_string(i));
    agent.set_port(5051);
    batch.push_back({registry::Write::Kind::PUT, "agents/" + agent.id().value(), agent.SerializeAsString(), {}});
    v1::FrameworkInfo framework;
    framework.mutable_id()->set_value("recovered-" + std::to_string(i));
    framework.set_name("framework-" + std::to_string(i));
    framework.set_user("nobody");
    batch.push_back(
        {registry::Write::Kind::PUT, "frameworks/" + framework.id().value(), framework.SerializeAsString(), {}});
    if (batch.size() >= 500 || i == n - 1) {
      auto written = (*store)->apply(batch);
      ASSERT_TRUE(written.ok()) << written.error().message;
      batch.clear();
    }
  }
}

TEST(ElectedMasterTest, CallsThatComeWhileTheRegistryIsReadAreHeldAndAnswered) {
  ZooKeeperServer zk;
  const std::string url = zk.url("/tepui");
  // Enough frameworks (read one by one; the agents are only listed) that
  // reading them takes the new leader a while.
  fillRegistry(url, 5000);

  // Woken as soon as the election names a leader.
  std::mutex mutex;
  std::condition_variable named;
  bool leaderKnown = false;
  auto detector = registry::Detector::watch(url, 5s, [&](const std::optional<std::string>& leader) {
    std::lock_guard lock(mutex);
    leaderKnown = leader.has_value();
    named.notify_all();
  });
  ASSERT_TRUE(detector.ok()) << detector.error().message;

  master::MasterFlags flags;
  flags.zk = url;
  flags.quorum = 1;
  flags.zk_session_timeout = Seconds(5.0);
  Cluster cluster(flags);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(named.wait_for(lock, 20s, [&] { return leaderKnown; }));
  }

  // Once the master's own watch names it too (its /master/redirect points
  // at itself; until then it knows no leader and answers 503) ...
  auto redirect = [&] {
    http::Request r;
    r.method = "GET";
    r.target = "/master/redirect";
    auto response = http::fetch(cluster.masterEndpoint(), r);
    return response ? response->headers["Location"] : "";
  };
  const std::string self = "//127.0.0.1:" + std::to_string(cluster.masterEndpoint().port);
  ASSERT_TRUE(eventually([&] { return redirect() == self; }, 10s, 1ms));
  // ... it is still reading the registry (what it serves itself, it serves
  // now) ...
  auto metrics = httpGet(cluster.masterEndpoint(), "/metrics/snapshot");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("\"master/elected\":0"), std::string::npos) << metrics.body.substr(0, 400);
  // ... yet a call for the leader is answered, once it leads, by the leader.
  auto state = httpGet(cluster.masterEndpoint(), "/master/state");
  EXPECT_EQ(state.status, 200) << state.body;
  EXPECT_NE(state.body.find("\"elected_time\""), std::string::npos);
  EXPECT_NE(httpGet(cluster.masterEndpoint(), "/metrics/snapshot").body.find("\"master/elected\":1"),
            std::string::npos);
  // It served knowing the admitted agents by id; their details follow.
  EXPECT_TRUE(eventually([&] { return cluster.get("/master/state").find("\"agent-4999\"") != std::string::npos; }));
  // And a framework subscribing is taken in.
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("held"));
  scheduler.subscribe();  // waits for SUBSCRIBED
  EXPECT_FALSE(scheduler.frameworkId().empty());
}

}  // namespace
}  // namespace tepui::testing
