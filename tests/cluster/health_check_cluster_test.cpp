// In-process cluster tests of health checks and checks run by the command
// executor next to real tasks: an HTTP server (python3 -m http.server) that
// goes from healthy to unhealthy and is killed, a TCP health check, and a
// COMMAND check whose exit codes reach the framework in check_status.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>

#include "cluster.hpp"

namespace tepui::testing {
namespace {

using Cap = v1::FrameworkInfo::Capability;

// A port nothing listens on right now, for a task to bind.
uint16_t freePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// The sandbox of the command task `taskId` (its executor has the task's id).
std::filesystem::path sandboxOf(Cluster& cluster, const TestScheduler& s, const std::string& taskId) {
  std::error_code ec;
  for (auto& agent : std::filesystem::directory_iterator(cluster.workDir() / "agent-0" / "slaves", ec)) {
    auto runs = agent.path() / "frameworks" / s.frameworkId() / "executors" / taskId / "runs" / "latest";
    if (std::filesystem::exists(runs)) return std::filesystem::canonical(runs);
  }
  return {};
}

// A task serving its sandbox's www/ on `port`.
v1::TaskInfo httpServerTask(const std::string& id, uint16_t port) {
  return commandTask(id, "mkdir -p www && echo ok > www/ok.html && cd www && exec python3 -m http.server " +
                             std::to_string(port) + " --bind 127.0.0.1");
}

// Checks from the start, every 100 ms, ignoring failures while the task's
// server starts.
v1::HealthCheck quickHealthCheck(v1::HealthCheck::Type type) {
  v1::HealthCheck check;
  check.set_type(type);
  check.set_delay_seconds(0);
  check.set_interval_seconds(0.1);
  check.set_timeout_seconds(2);
  check.set_grace_period_seconds(15);
  return check;
}

// The next update of `taskId`, acknowledged.
v1::TaskStatus nextUpdate(TestScheduler& s, const std::string& taskId) {
  while (true) {
    auto e = s.next(Event::UPDATE);
    if (!e.has_update()) return {};
    s.acknowledge(e.update().status());
    if (e.update().status().task_id().value() == taskId) return e.update().status();
  }
}

TEST(HealthCheckClusterTest, UnhealthyHttpTaskIsKilledAfterConsecutiveFailures) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("http-health", {Cap::TASK_KILLING_STATE}));
  s.subscribe();
  uint16_t port = freePort();
  auto task = httpServerTask("web", port);
  auto* check = task.mutable_health_check();
  *check = quickHealthCheck(v1::HealthCheck::HTTP);
  check->mutable_http()->set_port(port);
  check->mutable_http()->set_path("/ok.html");
  check->set_consecutive_failures(3);
  s.launch({task});

  auto running = s.waitFor("web", v1::TASK_RUNNING);
  EXPECT_FALSE(running.has_healthy());  // not checked yet
  auto healthy = nextUpdate(s, "web");
  EXPECT_EQ(healthy.state(), v1::TASK_RUNNING);
  EXPECT_EQ(healthy.reason(), v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  ASSERT_TRUE(healthy.has_healthy());
  EXPECT_TRUE(healthy.healthy());

  // The server now answers 404.
  std::filesystem::remove(sandboxOf(cluster, s, "web") / "www" / "ok.html");
  auto unhealthy = nextUpdate(s, "web");
  EXPECT_EQ(unhealthy.state(), v1::TASK_RUNNING);
  EXPECT_EQ(unhealthy.reason(), v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  ASSERT_TRUE(unhealthy.has_healthy());
  EXPECT_FALSE(unhealthy.healthy());
  EXPECT_NE(unhealthy.message().find("returned 404"), std::string::npos) << unhealthy.message();

  EXPECT_FALSE(s.waitFor("web", v1::TASK_KILLING).healthy());
  auto killed = s.waitFor("web", v1::TASK_KILLED);
  ASSERT_TRUE(killed.has_healthy());
  EXPECT_FALSE(killed.healthy());
  EXPECT_NE(killed.message().find("Task killed because it failed 3 consecutive health checks"), std::string::npos)
      << killed.message();
}

TEST(HealthCheckClusterTest, TcpHealthCheckMarksTheTaskHealthyUntilItEnds) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("tcp-health"));
  s.subscribe();
  uint16_t port = freePort();
  auto task = httpServerTask("listener", port);
  *task.mutable_health_check() = quickHealthCheck(v1::HealthCheck::TCP);
  task.mutable_health_check()->mutable_tcp()->set_port(port);
  auto offer = s.launch({task});

  s.waitFor("listener", v1::TASK_RUNNING);
  auto healthy = nextUpdate(s, "listener");
  EXPECT_EQ(healthy.reason(), v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  EXPECT_TRUE(healthy.healthy());

  s.run([&](auto& c) { c.kill(task.task_id(), offer.agent_id()); });
  auto killed = s.waitFor("listener", v1::TASK_KILLED);
  ASSERT_TRUE(killed.has_healthy());  // every later update carries the latest health
  EXPECT_TRUE(killed.healthy());
}

TEST(HealthCheckClusterTest, CommandCheckReportsExitCodesInCheckStatus) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("command-check"));
  s.subscribe();
  auto task = commandTask("checked", "echo 3 > code; exec sleep 1000");
  auto* check = task.mutable_check();
  check->set_type(v1::CheckInfo::COMMAND);
  check->mutable_command()->mutable_command()->set_value("exit $(cat code)");
  check->set_delay_seconds(0);
  check->set_interval_seconds(0.1);
  auto offer = s.launch({task});

  // As in Mesos, the check's status is there from the start, with no result.
  auto running = s.waitFor("checked", v1::TASK_RUNNING);
  ASSERT_TRUE(running.has_check_status());
  EXPECT_EQ(running.check_status().type(), v1::CheckInfo::COMMAND);
  EXPECT_FALSE(running.check_status().command().has_exit_code());

  // Until the task has written its file, the check may see other codes.
  v1::TaskStatus update;
  do {
    update = nextUpdate(s, "checked");
    ASSERT_EQ(update.state(), v1::TASK_RUNNING);
    EXPECT_EQ(update.reason(), v1::TaskStatus::REASON_TASK_CHECK_STATUS_UPDATED);
    EXPECT_FALSE(update.has_healthy());
  } while (update.check_status().command().exit_code() != 3);

  std::ofstream(sandboxOf(cluster, s, "checked") / "code") << "0\n";
  update = nextUpdate(s, "checked");
  EXPECT_EQ(update.reason(), v1::TaskStatus::REASON_TASK_CHECK_STATUS_UPDATED);
  ASSERT_TRUE(update.check_status().command().has_exit_code());
  EXPECT_EQ(update.check_status().command().exit_code(), 0);

  s.run([&](auto& c) { c.kill(task.task_id(), offer.agent_id()); });
  auto killed = s.waitFor("checked", v1::TASK_KILLED);
  EXPECT_EQ(killed.check_status().command().exit_code(), 0);
  EXPECT_TRUE(killed.check_status().command().has_exit_code());
}

}  // namespace
}  // namespace tepui::testing
