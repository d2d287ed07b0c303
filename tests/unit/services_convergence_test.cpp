#include <gtest/gtest.h>

#include <deque>

#include "services/convergence.hpp"

namespace tepui::services {
namespace {

// A little app under test: instances, and a way to apply what converge()
// says (kills take effect at once, scheduled instances start when told).
struct App {
  AppGoal goal;
  std::deque<Instance> all;
  int next = 0;

  Instance& add(const std::string& config, bool running = true, std::optional<bool> alive = std::nullopt) {
    Instance& i = all.emplace_back();
    i.id = "i" + std::to_string(next++);
    i.configVersion = config;
    i.version = config;
    i.state = running ? v1::TASK_RUNNING : v1::TASK_STAGING;
    i.stagedAt = next;
    if (alive) i.health.alive = *alive;
    return i;
  }
  std::vector<const Instance*> view() const {
    std::vector<const Instance*> out;
    for (auto& i : all) out.push_back(&i);
    return out;
  }
  Convergence step(double now = 0) {
    Convergence c = converge(goal, view(), now);
    for (auto& id : c.toKill) {
      for (auto& i : all) {
        if (i.id == id) {
          i.goal = Instance::Goal::STOPPED;
          if (!i.scheduled) i.state = v1::TASK_KILLED;
        }
      }
    }
    for (int64_t k = 0; k < c.toSchedule; ++k) {
      Instance& i = add(goal.configVersion, false);
      i.scheduled = true;
    }
    return c;
  }
  int count(const std::string& config, bool onlyAlive = true) const {
    int n = 0;
    for (auto& i : all) {
      if (i.configVersion == config && (!onlyAlive || i.goal == Instance::Goal::RUNNING)) n++;
    }
    return n;
  }
  // Every scheduled or staging instance of the goal's config runs (healthy).
  void startAll() {
    for (auto& i : all) {
      if (i.goal != Instance::Goal::RUNNING || i.configVersion != goal.configVersion) continue;
      i.scheduled = false;
      i.state = v1::TASK_RUNNING;
      if (goal.healthChecked) i.health.alive = true;
    }
  }
};

TEST(ConvergenceTest, IsNotCompleteWhileAnInstanceItStoppedStillRuns) {
  App app;
  app.goal = {.version = "v1", .configVersion = "v1", .instances = 1};
  app.add("v1", true);
  Instance& extra = app.add("v1", true);
  extra.goal = Instance::Goal::STOPPED;  // killed, TASK_KILLED not seen yet
  auto c = app.step();
  EXPECT_EQ(c.stopping, 1);
  EXPECT_FALSE(c.complete);
  extra.state = v1::TASK_KILLED;
  EXPECT_TRUE(app.step().complete);
}

TEST(ConvergenceTest, SchedulesWhatIsMissingAndKillsTheExtra) {
  App app;
  app.goal = {.version = "v1", .configVersion = "v1", .instances = 3};
  auto c = app.step();
  EXPECT_EQ(c.toSchedule, 3);
  EXPECT_FALSE(c.complete);
  EXPECT_EQ(app.step().toSchedule, 0);  // the scheduled ones count
  app.startAll();
  EXPECT_TRUE(app.step().complete);
  app.goal.instances = 1;
  c = app.step();
  EXPECT_EQ(c.toKill.size(), 2u);
  EXPECT_TRUE(app.step().complete);
}

TEST(ConvergenceTest, ScalingKeepsTheRunningInstances) {
  App app;
  app.goal = {.version = "v1", .configVersion = "c1", .instances = 2};
  app.add("c1");
  app.add("c1");
  app.goal.version = "v2";  // a scale change: a new version, the same config
  app.goal.instances = 4;
  auto c = app.step();
  EXPECT_EQ(c.toSchedule, 2);
  EXPECT_TRUE(c.toKill.empty());
}

TEST(ConvergenceTest, WithoutRestartOldInstancesOnlyCount) {
  App app;
  app.goal = {.version = "v2", .configVersion = "c2", .instances = 3, .restartOld = false};
  app.add("c1");
  app.add("c1");
  auto c = app.step();
  EXPECT_TRUE(c.toKill.empty());
  EXPECT_EQ(c.toSchedule, 1);
}

TEST(ConvergenceTest, ScaleDownKillsTheYoungestAndNotLaunchedFirst) {
  App app;
  app.goal = {.version = "v1", .configVersion = "c1", .instances = 2};
  app.add("c1");                          // i0, oldest
  app.add("c1");                          // i1
  app.add("c1");                          // i2, youngest running
  app.add("c1", false).scheduled = true;  // i3, not launched
  auto c = app.step();
  EXPECT_EQ(c.toKill, (std::vector<std::string>{"i3", "i2"}));
}

TEST(ConvergenceTest, RollingRestartStartsAllNewThenKillsOldOneByOne) {
  // minimumHealthCapacity 1, maximumOverCapacity 1: start all new, kill
  // an old one for each new one that is healthy.
  App app;
  app.goal = {.version = "v2", .configVersion = "c2", .instances = 3, .healthChecked = true};
  for (int k = 0; k < 3; ++k) app.add("c1", true, true);
  auto c = app.step();
  EXPECT_EQ(c.toSchedule, 3);
  EXPECT_TRUE(c.toKill.empty());
  // One new instance becomes healthy: one old goes.
  for (auto& i : app.all) {
    if (i.configVersion == "c2" && i.id == "i3") {
      i.scheduled = false;
      i.state = v1::TASK_RUNNING;
      i.health.alive = true;
    }
  }
  c = app.step();
  EXPECT_EQ(c.toKill.size(), 1u);
  EXPECT_EQ(app.count("c1"), 2);
  app.startAll();
  c = app.step();
  EXPECT_EQ(c.toKill.size(), 2u);
  EXPECT_EQ(app.count("c1"), 0);
  EXPECT_TRUE(app.step().complete);
}

TEST(ConvergenceTest, NeverDropsBelowMinimumHealthCapacity) {
  // 5 instances, minimumHealthCapacity 0.6, maximumOverCapacity 0.2:
  // at least 3 healthy, at most 6 active, through the whole restart, with
  // new instances becoming healthy one at a time.
  App app;
  app.goal = {.version = "v2",
              .configVersion = "c2",
              .instances = 5,
              .minimumHealthCapacity = 0.6,
              .maximumOverCapacity = 0.2,
              .healthChecked = true};
  for (int k = 0; k < 5; ++k) app.add("c1", true, true);
  for (int round = 0; round < 40; ++round) {
    Convergence c = app.step();
    int healthy = 0, active = 0;
    for (auto& i : app.all) {
      if (i.goal != Instance::Goal::RUNNING) continue;
      active++;
      if (i.running() && i.health.alive == true) healthy++;
    }
    EXPECT_GE(healthy, 3) << "round " << round;
    EXPECT_LE(active, 6) << "round " << round;
    if (c.complete) break;
    // One new instance (the oldest scheduled) becomes healthy.
    for (auto& i : app.all) {
      if (i.goal == Instance::Goal::RUNNING && i.configVersion == "c2" && !i.running()) {
        i.scheduled = false;
        i.state = v1::TASK_RUNNING;
        i.health.alive = true;
        break;
      }
    }
  }
  EXPECT_EQ(app.count("c1"), 0);
  EXPECT_EQ(app.count("c2"), 5);
  EXPECT_TRUE(app.step().complete);
}

TEST(ConvergenceTest, ZeroMinimumHealthCapacityKillsAllOldFirst) {
  App app;
  app.goal = {
      .version = "v2", .configVersion = "c2", .instances = 2, .minimumHealthCapacity = 0, .maximumOverCapacity = 0};
  app.add("c1");
  app.add("c1");
  auto c = app.step();
  EXPECT_EQ(c.toKill.size(), 2u);
  EXPECT_EQ(c.toSchedule, 0);  // the old ones still run until they end
  EXPECT_EQ(app.step().toSchedule, 2);
}

TEST(ConvergenceTest, NoOverCapacityStillMovesOneAtATime) {
  // minimumHealthCapacity 1 and maximumOverCapacity 0 would leave no room:
  // one instance of temporary over-capacity.
  App app;
  app.goal = {.version = "v2", .configVersion = "c2", .instances = 3, .maximumOverCapacity = 0};
  for (int k = 0; k < 3; ++k) app.add("c1");
  EXPECT_EQ(app.step().toSchedule, 1);
  app.startAll();
  auto c = app.step();
  EXPECT_EQ(c.toKill.size(), 1u);
  EXPECT_EQ(c.toSchedule, 0);  // until the killed one has ended
  EXPECT_EQ(app.step().toSchedule, 1);
}

TEST(ConvergenceTest, InstancesStillBeingKilledTakeCapacity) {
  App app;
  app.goal = {
      .version = "v2", .configVersion = "c2", .instances = 2, .minimumHealthCapacity = 0.5, .maximumOverCapacity = 0};
  app.add("c1");
  app.add("c1");
  // One old instance is being killed but still runs: maxCapacity 2 leaves
  // room for nothing new until it has ended.
  app.all[0].goal = Instance::Goal::STOPPED;
  Convergence c = converge(app.goal, app.view(), 0);
  EXPECT_EQ(c.stopping, 1);
  EXPECT_EQ(c.toSchedule, 0);
  app.all[0].state = v1::TASK_KILLED;
  EXPECT_EQ(converge(app.goal, app.view(), 0).toSchedule, 1);
}

TEST(ConvergenceTest, UnhealthyOldInstancesGoFirst) {
  App app;
  app.goal = {.version = "v2", .configVersion = "c2", .instances = 2, .healthChecked = true};
  app.add("c1", true, true);
  Instance& sick = app.add("c1", true, false);
  auto c = app.step();
  EXPECT_EQ(c.toKill, (std::vector<std::string>{sick.id}));
}

TEST(ConvergenceTest, UnreachableInstancesAreReplacedThenExpunged) {
  App app;
  app.goal = {
      .version = "v1", .configVersion = "c1", .instances = 2, .inactiveAfterSeconds = 300, .expungeAfterSeconds = 600};
  app.add("c1");
  Instance& away = app.add("c1");
  away.state = v1::TASK_UNREACHABLE;
  away.unreachableSince = 1000;
  EXPECT_EQ(app.step(1100).toSchedule, 0);  // still active
  EXPECT_FALSE(app.step(1100).complete);    // but not healthy
  auto c = app.step(1300);                  // inactive: replaced
  EXPECT_EQ(c.toSchedule, 1);
  c = app.step(1600);
  EXPECT_EQ(c.toExpunge, (std::vector<std::string>{away.id}));
  EXPECT_EQ(c.toSchedule, 0);
}

TEST(ConvergenceTest, WithoutAnUnreachableStrategyTheInstanceWaits) {
  App app;
  app.goal = {.version = "v1", .configVersion = "c1", .instances = 1};
  Instance& away = app.add("c1");
  away.state = v1::TASK_UNREACHABLE;
  away.unreachableSince = 0;
  auto c = app.step(1e6);
  EXPECT_EQ(c.toSchedule, 0);
  EXPECT_TRUE(c.toExpunge.empty());
}

TEST(ConvergenceTest, TerminalAndStoppingInstancesAreIgnored) {
  App app;
  app.goal = {.version = "v1", .configVersion = "c1", .instances = 1};
  app.add("c1").state = v1::TASK_FAILED;
  app.add("c1").goal = Instance::Goal::STOPPED;
  EXPECT_EQ(app.step().toSchedule, 1);
}

TEST(ConvergenceTest, ReadinessGatesNewInstances) {
  App app;
  app.goal = {.version = "v2", .configVersion = "c2", .instances = 1, .readinessChecked = true};
  app.add("c1");
  app.step();
  app.startAll();  // running, not ready
  EXPECT_TRUE(app.step().toKill.empty());
  for (auto& i : app.all) i.ready = true;
  EXPECT_EQ(app.step().toKill.size(), 1u);
}

}  // namespace
}  // namespace tepui::services
