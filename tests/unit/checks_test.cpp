// HealthChecker and Checker on a real io_context (the test thread's) against
// a real HTTP server, a TCP listener and real processes, with intervals of a
// few tens of milliseconds; and the validators. The loop runs until a
// condition holds or a deadline passes.
#include "checks/checks.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "http/server.hpp"
#include "support/run_loop.hpp"

namespace tepui::checks {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// Gone, or a zombie nobody reaps (pid 1 of a container may not).
bool gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  auto stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

class ChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.route("/health", [this](http::Request&, http::Responder responder) {
      if (hang) return hung.push_back(std::move(responder));
      responder.respond(http::Response::empty(status));
    });
    ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
    dir = fs::temp_directory_path() / ("tepui-checks-" + std::to_string(getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
    context.environment = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}};
    context.sandbox = dir.string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    return testing::runLoopUntil(io, done, limit);
  }
  void runFor(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }

  // Checks start at once and repeat every 50 ms; failures count at once.
  template <typename Check>
  static void quick(Check& check) {
    check.set_delay_seconds(0);
    check.set_interval_seconds(0.05);
    check.set_timeout_seconds(2);
  }
  v1::HealthCheck healthCheck(v1::HealthCheck::Type type, uint32_t consecutiveFailures = 3) {
    v1::HealthCheck h;
    h.set_type(type);
    quick(h);
    h.set_grace_period_seconds(0);
    h.set_consecutive_failures(consecutiveFailures);
    if (type == v1::HealthCheck::HTTP) {
      h.mutable_http()->set_port(server.port());
      h.mutable_http()->set_path("/health");
    }
    return h;
  }
  v1::HealthCheck commandHealthCheck(const std::string& command, uint32_t consecutiveFailures = 3) {
    auto h = healthCheck(v1::HealthCheck::COMMAND, consecutiveFailures);
    h.mutable_command()->set_value(command);
    return h;
  }
  std::unique_ptr<HealthChecker> startHealth(const v1::HealthCheck& check) {
    auto started =
        HealthChecker::start(io, check, context, [this](const HealthChecker::Health& h) { health.push_back(h); });
    EXPECT_TRUE(started) << started.error().message;
    return started ? std::move(*started) : nullptr;
  }
  std::unique_ptr<Checker> startCheck(const v1::CheckInfo& check) {
    auto started = Checker::start(io, check, context, [this](const v1::CheckStatusInfo& s) { statuses.push_back(s); });
    EXPECT_TRUE(started) << started.error().message;
    return started ? std::move(*started) : nullptr;
  }
  size_t healthEvents() const { return health.size(); }
  size_t checkEvents() const { return statuses.size(); }

  asio::io_context io;
  http::Server server{io};
  int status = 200;
  bool hang = false;
  std::vector<http::Responder> hung;
  fs::path dir;
  CheckContext context;
  std::vector<HealthChecker::Health> health;
  std::vector<v1::CheckStatusInfo> statuses;
};

TEST_F(ChecksTest, HttpHealthIsReportedOnChangeAndAsksForAKillAfterConsecutiveFailures) {
  auto checker = startHealth(healthCheck(v1::HealthCheck::HTTP));
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 1; }));
  EXPECT_TRUE(health[0].healthy);
  EXPECT_FALSE(health[0].killTask);
  runFor(200ms);  // more successes change nothing
  EXPECT_EQ(healthEvents(), 1u);

  status = 503;
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 3; }));
  EXPECT_FALSE(health[1].healthy);
  EXPECT_FALSE(health[1].killTask);
  EXPECT_EQ(health[1].consecutiveFailures, 1u);
  EXPECT_EQ(health[1].message,
            "HTTP health check failed: GET http://127.0.0.1:" + std::to_string(server.port()) + "/health returned 503");
  EXPECT_FALSE(health[2].healthy);
  EXPECT_TRUE(health[2].killTask);
  EXPECT_EQ(health[2].consecutiveFailures, 3u);
  runFor(200ms);  // checking stopped with the kill request
  EXPECT_EQ(healthEvents(), 3u);
}

TEST_F(ChecksTest, HealthFlipsBackWithoutAKillWhenFailuresStopInTime) {
  status = 404;
  auto checker = startHealth(healthCheck(v1::HealthCheck::HTTP, 1000));
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 1; }));
  EXPECT_FALSE(health[0].healthy);  // the first result, even a failure, is reported
  status = 302;                     // 200-399 is healthy
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 2; }));
  EXPECT_TRUE(health[1].healthy);
  EXPECT_EQ(health[1].consecutiveFailures, 0u);
  EXPECT_EQ(health[1].message, "");
}

TEST_F(ChecksTest, FailuresWithinTheGracePeriodAreIgnored) {
  status = 503;
  auto check = healthCheck(v1::HealthCheck::HTTP, 1);
  check.set_grace_period_seconds(0.5);
  auto start = std::chrono::steady_clock::now();
  auto checker = startHealth(check);
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 1; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_TRUE(health[0].killTask);
}

TEST_F(ChecksTest, TheGracePeriodEndsWithTheFirstSuccess) {
  status = 503;
  auto check = healthCheck(v1::HealthCheck::HTTP, 1);
  check.set_grace_period_seconds(60);
  auto checker = startHealth(check);
  runFor(200ms);
  EXPECT_EQ(healthEvents(), 0u);  // failing, but within the grace period
  status = 200;
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 1; }));
  EXPECT_TRUE(health[0].healthy);
  status = 503;  // still within the grace period, but it has passed once
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 2; }));
  EXPECT_TRUE(health[1].killTask);
}

TEST_F(ChecksTest, AnHttpCheckThatTimesOutIsAFailure) {
  hang = true;
  auto check = healthCheck(v1::HealthCheck::HTTP, 1);
  check.set_timeout_seconds(0.1);
  auto checker = startHealth(check);
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 1; }));
  EXPECT_TRUE(health[0].killTask);
  EXPECT_EQ(health[0].message, "HTTP health check failed: GET http://127.0.0.1:" + std::to_string(server.port()) +
                                   "/health: timed out after 0.1 s");
}

TEST_F(ChecksTest, TcpHealthFollowsTheListener) {
  tcp::acceptor listener(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto check = healthCheck(v1::HealthCheck::TCP, 2);
  check.mutable_tcp()->set_port(listener.local_endpoint().port());
  auto checker = startHealth(check);
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 1; }));
  EXPECT_TRUE(health[0].healthy);
  listener.close();
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 3; }));
  EXPECT_FALSE(health[1].healthy);
  EXPECT_NE(health[1].message.find("TCP health check failed: connect to 127.0.0.1:"), std::string::npos);
  EXPECT_NE(health[1].message.find("refused"), std::string::npos) << health[1].message;
  EXPECT_TRUE(health[2].killTask);
}

TEST_F(ChecksTest, CommandHealthRunsInTheSandboxWithTheTasksEnvironment) {
  context.environment["GREETING"] = "hello";
  auto check = commandHealthCheck("test \"$GREETING $PLACE\" = 'hello world' && test \"$(pwd)\" = '" + dir.string() +
                                  "' && test ! -e fail");
  auto* place = check.mutable_command()->mutable_environment()->add_variables();
  place->set_name("PLACE");
  place->set_value("world");
  auto checker = startHealth(check);
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 1; }));
  EXPECT_TRUE(health[0].healthy);
  writeFile(dir / "fail", "");
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 2; }));
  EXPECT_EQ(health[1].message, "COMMAND health check failed: exited with status 1");
}

TEST_F(ChecksTest, ACommandThatTimesOutIsKilledWithItsProcessGroup) {
  auto check = commandHealthCheck("echo $$ > leader; sleep 30 & echo $! > child; wait", 1);
  check.set_timeout_seconds(0.3);
  auto checker = startHealth(check);
  ASSERT_TRUE(runUntil([&] { return healthEvents() == 1; }));
  EXPECT_TRUE(health[0].killTask);
  EXPECT_EQ(health[0].message, "COMMAND health check failed: timed out after 0.3 s; its process group was killed");
  pid_t leader = std::stoi(slurp(dir / "leader"));
  pid_t child = std::stoi(slurp(dir / "child"));
  EXPECT_TRUE(runUntil([&] { return gone(leader) && gone(child); }));
}

TEST_F(ChecksTest, DroppingACheckerKillsAndReapsItsCommandInFlight) {
  auto checker = startHealth(commandHealthCheck("echo $$ > leader; exec sleep 30"));
  ASSERT_TRUE(runUntil([&] { return !slurp(dir / "leader").empty(); }));
  pid_t leader = std::stoi(slurp(dir / "leader"));
  checker.reset();
  EXPECT_TRUE(runUntil([&] { return ::kill(leader, 0) != 0 && errno == ESRCH; }));  // reaped
  EXPECT_EQ(healthEvents(), 0u);
}

TEST_F(ChecksTest, CheckerReportsHttpStatusCodesOnChangeOnly) {
  v1::CheckInfo check;
  check.set_type(v1::CheckInfo::HTTP);
  quick(check);
  check.set_timeout_seconds(0.5);
  check.mutable_http()->set_port(server.port());
  check.mutable_http()->set_path("/health");
  auto checker = startCheck(check);
  ASSERT_TRUE(runUntil([&] { return checkEvents() == 1; }));
  EXPECT_EQ(statuses[0].type(), v1::CheckInfo::HTTP);
  EXPECT_EQ(statuses[0].http().status_code(), 200u);
  runFor(200ms);
  EXPECT_EQ(checkEvents(), 1u);
  status = 503;
  ASSERT_TRUE(runUntil([&] { return checkEvents() == 2; }));
  EXPECT_EQ(statuses[1].http().status_code(), 503u);

  // An attempt without a result (here, a timeout) is the empty status.
  hang = true;
  ASSERT_TRUE(runUntil([&] { return checkEvents() == 3; }));
  EXPECT_TRUE(statuses[2].has_http());
  EXPECT_FALSE(statuses[2].http().has_status_code());
}

TEST_F(ChecksTest, CheckerReportsCommandExitCodesOnChangeOnly) {
  writeFile(dir / "code", "3");
  v1::CheckInfo check;
  check.set_type(v1::CheckInfo::COMMAND);
  quick(check);
  check.mutable_command()->mutable_command()->set_value("exit $(cat code)");
  auto checker = startCheck(check);
  ASSERT_TRUE(runUntil([&] { return checkEvents() == 1; }));
  EXPECT_EQ(statuses[0].type(), v1::CheckInfo::COMMAND);
  EXPECT_EQ(statuses[0].command().exit_code(), 3);
  runFor(200ms);
  EXPECT_EQ(checkEvents(), 1u);
  writeFile(dir / "code", "0");
  ASSERT_TRUE(runUntil([&] { return checkEvents() == 2; }));
  EXPECT_TRUE(statuses[1].command().has_exit_code());
  EXPECT_EQ(statuses[1].command().exit_code(), 0);
}

TEST_F(ChecksTest, CheckerReportsWhetherTcpConnectsSucceed) {
  tcp::acceptor listener(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  v1::CheckInfo check;
  check.set_type(v1::CheckInfo::TCP);
  quick(check);
  check.mutable_tcp()->set_port(listener.local_endpoint().port());
  auto checker = startCheck(check);
  ASSERT_TRUE(runUntil([&] { return checkEvents() == 1; }));
  EXPECT_TRUE(statuses[0].tcp().succeeded());
  listener.close();
  ASSERT_TRUE(runUntil([&] { return checkEvents() == 2; }));
  EXPECT_TRUE(statuses[1].tcp().has_succeeded());
  EXPECT_FALSE(statuses[1].tcp().succeeded());
}

TEST_F(ChecksTest, ACheckerMayBeDestroyedFromItsOwnCallback) {
  v1::CheckInfo check;
  check.set_type(v1::CheckInfo::HTTP);
  quick(check);
  check.mutable_http()->set_port(server.port());
  std::unique_ptr<Checker> checker;
  int calls = 0;
  auto started = Checker::start(io, check, context, [&](const v1::CheckStatusInfo&) {
    ++calls;
    checker.reset();
  });
  ASSERT_TRUE(started);
  checker = std::move(*started);
  ASSERT_TRUE(runUntil([&] { return calls == 1; }));
  status = 500;
  runFor(200ms);
  EXPECT_EQ(calls, 1);
}

TEST(CheckStatus, EmptyStatusHasTheTypeAndAnEmptyResult) {
  v1::CheckInfo check;
  check.set_type(v1::CheckInfo::TCP);
  auto empty = Checker::emptyStatus(check);
  EXPECT_EQ(empty.type(), v1::CheckInfo::TCP);
  EXPECT_TRUE(empty.has_tcp());
  EXPECT_FALSE(empty.tcp().has_succeeded());
  EXPECT_FALSE(empty.has_command());
}

// The error of validateHealthCheck after `change` is applied to a valid
// HTTP health check ("" when valid).
std::string healthError(const std::function<void(v1::HealthCheck&)>& change) {
  v1::HealthCheck h;
  h.set_type(v1::HealthCheck::HTTP);
  h.mutable_http()->set_port(8080);
  change(h);
  auto s = validateHealthCheck(h);
  return s ? "" : s.error().message;
}

TEST(CheckValidation, HealthChecksWithMissingOrBadFieldsAreRefused) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(healthError([](auto&) {}), "");
  EXPECT_EQ(healthError([](auto& h) { h.mutable_http()->set_scheme("http"); }), "");
  EXPECT_EQ(healthError([](auto& h) { h.clear_type(); }), "'type' must be COMMAND, HTTP or TCP");
  EXPECT_EQ(healthError([](auto& h) { h.clear_http(); }), "'http' must be set when 'type' is HTTP");
  EXPECT_EQ(healthError([](auto& h) { h.set_type(v1::HealthCheck::TCP); }), "'tcp' must be set when 'type' is TCP");
  EXPECT_EQ(healthError([](auto& h) { h.set_type(v1::HealthCheck::COMMAND); }),
            "'command' must be set when 'type' is COMMAND");
  EXPECT_EQ(healthError([](auto& h) { h.mutable_http()->set_port(0); }),
            "'http.port' must be between 1 and 65535, got 0");
  EXPECT_EQ(healthError([](auto& h) { h.mutable_http()->set_port(65536); }),
            "'http.port' must be between 1 and 65535, got 65536");
  EXPECT_EQ(healthError([](auto& h) {
              h.set_type(v1::HealthCheck::TCP);
              h.mutable_tcp()->set_port(0);
            }),
            "'tcp.port' must be between 1 and 65535, got 0");
  EXPECT_EQ(healthError([](auto& h) { h.mutable_http()->set_path("health"); }),
            "'http.path' must start with '/', got 'health'");
  EXPECT_EQ(healthError([](auto& h) { h.mutable_http()->set_scheme("https"); }),
            "'http.scheme' https is not supported: Tepui runs HTTP health checks over plain http");
  EXPECT_EQ(healthError([](auto& h) { h.mutable_http()->set_scheme("ftp"); }),
            "'http.scheme' must be 'http', got 'ftp'");
  EXPECT_EQ(healthError([](auto& h) { h.set_delay_seconds(-1); }),
            "'delay_seconds' must be a non-negative number of seconds, got -1");
  EXPECT_EQ(healthError([nan](auto& h) { h.set_interval_seconds(nan); }),
            "'interval_seconds' must be a non-negative number of seconds, got nan");
  EXPECT_EQ(healthError([inf](auto& h) { h.set_timeout_seconds(inf); }),
            "'timeout_seconds' must be a non-negative number of seconds, got inf");
  EXPECT_EQ(healthError([](auto& h) { h.set_grace_period_seconds(-0.5); }),
            "'grace_period_seconds' must be a non-negative number of seconds, got -0.5");
  EXPECT_EQ(healthError([](auto& h) {
              h.set_type(v1::HealthCheck::COMMAND);
              h.mutable_command()->set_value("");
            }),
            "'command.value' must not be empty");
  EXPECT_EQ(healthError([](auto& h) {
              h.set_type(v1::HealthCheck::COMMAND);
              h.mutable_command()->set_shell(false);
            }),
            "'command.value' is required when 'command.shell' is false");
}

TEST(CheckValidation, ChecksWithMissingOrBadFieldsAreRefused) {
  auto error = [](const std::function<void(v1::CheckInfo&)>& change) {
    v1::CheckInfo c;
    c.set_type(v1::CheckInfo::COMMAND);
    c.mutable_command()->mutable_command()->set_value("true");
    change(c);
    auto s = validateCheck(c);
    return s ? std::string() : s.error().message;
  };
  EXPECT_EQ(error([](auto&) {}), "");
  EXPECT_EQ(error([](auto& c) { c.set_type(v1::CheckInfo::UNKNOWN); }), "'type' must be COMMAND, HTTP or TCP");
  EXPECT_EQ(error([](auto& c) { c.clear_command(); }), "'command' must be set when 'type' is COMMAND");
  EXPECT_EQ(error([](auto& c) { c.mutable_command()->mutable_command()->clear_value(); }),
            "'command.command.value' must not be empty");
  EXPECT_EQ(error([](auto& c) { c.set_type(v1::CheckInfo::HTTP); }), "'http' must be set when 'type' is HTTP");
  EXPECT_EQ(error([](auto& c) {
              c.set_type(v1::CheckInfo::HTTP);
              c.mutable_http()->set_port(80);
              c.mutable_http()->set_path("x");
            }),
            "'http.path' must start with '/', got 'x'");
  EXPECT_EQ(error([](auto& c) {
              c.set_type(v1::CheckInfo::TCP);
              c.mutable_tcp()->set_port(100000);
            }),
            "'tcp.port' must be between 1 and 65535, got 100000");
  EXPECT_EQ(error([](auto& c) { c.set_delay_seconds(-2); }),
            "'delay_seconds' must be a non-negative number of seconds, got -2");
}

TEST(CheckValidation, ATasksChecksAreValidatedWithTheirFieldAsContext) {
  v1::TaskInfo task;
  EXPECT_TRUE(validateChecks(task));
  task.mutable_health_check()->set_type(v1::HealthCheck::TCP);
  auto s = validateChecks(task);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "invalid health_check: 'tcp' must be set when 'type' is TCP");
  task.mutable_health_check()->mutable_tcp()->set_port(80);
  EXPECT_TRUE(validateChecks(task));
  task.mutable_check()->set_type(v1::CheckInfo::HTTP);
  task.mutable_check()->mutable_http()->set_port(0);
  s = validateChecks(task);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "invalid check: 'http.port' must be between 1 and 65535, got 0");
}

TEST(CheckValidation, AnInvalidCheckDoesNotStart) {
  asio::io_context io;
  v1::HealthCheck h;
  h.set_type(v1::HealthCheck::HTTP);
  h.mutable_http()->set_port(443);
  h.mutable_http()->set_scheme("https");
  auto started = HealthChecker::start(io, h, {}, [](const HealthChecker::Health&) {});
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("https is not supported"), std::string::npos);
  v1::CheckInfo c;
  EXPECT_FALSE(Checker::start(io, c, {}, [](const v1::CheckStatusInfo&) {}));
}

}  // namespace
}  // namespace tepui::checks
