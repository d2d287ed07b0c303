// In-process cluster tests of agents and offers: an agent that stops
// answering becomes unreachable and, when it comes back, its tasks are
// reconciled rather than killed; offers expire with --offer_timeout;
// declined resources are filtered until the filter ends or REVIVE; a
// resource is never offered to two frameworks at once.
#include <future>

#include "cluster.hpp"

namespace tepui::testing {
namespace {

using Cap = v1::FrameworkInfo::Capability;

master::MasterFlags quickPings() {
  master::MasterFlags f;
  f.agent_ping_timeout = Seconds(0.2);
  f.max_agent_ping_timeouts = 2;
  return f;
}

TEST(AgentClusterTest, PartitionedAgentReturnsAndItsTasksAreReconciledNotKilled) {
  Cluster cluster(quickPings());
  cluster.addAgent();
  TestScheduler aware(cluster.masterEndpoint(), frameworkInfo("aware", {Cap::PARTITION_AWARE}));
  TestScheduler legacy(cluster.masterEndpoint(), frameworkInfo("legacy"));
  aware.subscribe();
  aware.launch({commandTask("a", "sleep 1000")}, 3600.0);  // leave the rest to `legacy`
  aware.waitFor("a", v1::TASK_RUNNING);
  legacy.subscribe();
  legacy.launch({commandTask("b", "sleep 1000")}, 3600.0);
  legacy.waitFor("b", v1::TASK_RUNNING);

  // Freeze the agent's loop: it answers no ping, as if cut off.
  std::promise<void> release;
  auto released = release.get_future().share();
  boost::asio::post(cluster.agent(0).io(), [released] { released.wait(); });

  auto unreachable = aware.waitFor("a", v1::TASK_UNREACHABLE);
  EXPECT_EQ(unreachable.reason(), v1::TaskStatus::REASON_AGENT_REMOVED);
  EXPECT_TRUE(unreachable.has_unreachable_time());
  EXPECT_FALSE(unreachable.has_uuid());
  EXPECT_EQ(legacy.waitFor("b", v1::TASK_LOST).reason(), v1::TaskStatus::REASON_AGENT_REMOVED);

  release.set_value();
  // Back: the agent re-registers with the same id and reports its tasks.
  auto back = aware.waitFor("a", v1::TASK_RUNNING);
  EXPECT_EQ(back.reason(), v1::TaskStatus::REASON_AGENT_REREGISTERED);
  EXPECT_EQ(back.agent_id().value(), unreachable.agent_id().value());
  legacy.waitFor("b", v1::TASK_RUNNING);

  // The task never stopped: it can still be killed like any other.
  v1::TaskID a;
  a.set_value("a");
  aware.run([&](auto& c) { c.kill(a); });
  aware.waitFor("a", v1::TASK_KILLED);
}

TEST(AgentClusterTest, OfferIsRescindedAfterTheOfferTimeout) {
  master::MasterFlags flags;
  flags.offer_timeout = Seconds(0.3);
  Cluster cluster(flags);
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("slow"));
  s.subscribe();
  auto offer = s.next(Event::OFFERS).offers().offers(0);
  auto rescind = s.next(Event::RESCIND);
  EXPECT_EQ(rescind.rescind().offer_id().value(), offer.id().value());
  // The resources come back in a new offer.
  EXPECT_NE(s.next(Event::OFFERS).offers().offers(0).id().value(), offer.id().value());
}

TEST(AgentClusterTest, DeclinedResourcesAreFilteredUntilTheFilterEndsOrRevive) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("picky"));
  s.subscribe();
  auto offer = s.next(Event::OFFERS).offers().offers(0);
  s.run([&](auto& c) { c.decline({offer.id()}, 1.5); });
  // Several allocation cycles pass (every second) without an offer...
  EXPECT_FALSE(s.poll({Event::OFFERS}, 1000ms).has_value());
  // ...until the filter ends.
  auto back = s.poll({Event::OFFERS}, 5000ms);
  ASSERT_TRUE(back.has_value());

  // A long filter holds until REVIVE clears it.
  s.run([&](auto& c) { c.decline({back->offers().offers(0).id()}, 3600); });
  EXPECT_FALSE(s.poll({Event::OFFERS}, 1500ms).has_value());
  s.run([](auto& c) { c.revive(); });
  EXPECT_TRUE(s.poll({Event::OFFERS}, 5000ms).has_value());
}

TEST(AgentClusterTest, SuppressedFrameworkGetsNoOffersUntilItRevives) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("quiet"));
  s.subscribe();
  auto offer = s.next(Event::OFFERS).offers().offers(0);
  s.run([](auto& c) { c.suppress(); });
  // Declined without a filter: only the suppression keeps it away.
  s.run([&](auto& c) { c.decline({offer.id()}, 0.0); });
  EXPECT_FALSE(s.poll({Event::OFFERS}, 1500ms).has_value());
  s.run([](auto& c) { c.revive(); });
  auto back = s.poll({Event::OFFERS}, 5000ms);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(Resources(back->offers().offers(0).resources()).cpus(), 4.0);
}

TEST(AgentClusterTest, AResourceIsNeverOfferedToTwoFrameworksAtOnce) {
  Cluster cluster;
  cluster.addAgent("cpus:2;mem:512");
  TestScheduler first(cluster.masterEndpoint(), frameworkInfo("first"));
  first.subscribe();
  auto offer = first.next(Event::OFFERS).offers().offers(0);
  EXPECT_EQ(Resources(offer.resources()).cpus(), 2.0);

  TestScheduler second(cluster.masterEndpoint(), frameworkInfo("second"));
  second.subscribe();
  // The agent is wholly offered to `first`: `second` gets nothing...
  EXPECT_FALSE(second.poll({Event::OFFERS}, 1500ms).has_value());
  // ...until `first` gives it back.
  first.run([&](auto& c) { c.decline({offer.id()}, 3600); });
  auto given = second.next(Event::OFFERS, 5000ms);
  ASSERT_GT(given.offers().offers_size(), 0);
  EXPECT_EQ(Resources(given.offers().offers(0).resources()).cpus(), 2.0);
}

}  // namespace
}  // namespace tepui::testing
