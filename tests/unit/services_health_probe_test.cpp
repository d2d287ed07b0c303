// One probe from the services leader over the network, against a real HTTP
// server and listener on loopback: what passes, fails, is ignored, and
// timeouts.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>

#include "http/server.hpp"
#include "services/health_probe.hpp"
#include "support/run_loop.hpp"

namespace tepui::services {
namespace {

using namespace std::chrono_literals;

// The server answers /status/<code> with that code and never answers
// /hang.
class HealthProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.routePrefix("/status/", [](http::Request& request, http::Responder responder) {
      responder.respond(http::Response::empty(std::stoi(request.target.substr(std::string("/status/").size()))));
    });
    server.route("/hang", [this](http::Request&, http::Responder responder) { hung.push_back(std::move(responder)); });
    ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  }

  ProbeOutcome run(const ProbeTarget& target) {
    std::optional<ProbeOutcome> got;
    probe.probe(target, [&](ProbeOutcome o) { got = std::move(o); });
    EXPECT_FALSE(got) << "ran inside probe()";
    EXPECT_TRUE(testing::runLoopUntil(
        io, [&] { return got.has_value(); }, 10s));
    return got.value_or(ProbeOutcome{});
  }

  // Runs `target`, expecting a failure whose cause says `part`.
  void expectFailure(const ProbeTarget& target, const std::string& part) {
    ProbeOutcome o = run(target);
    EXPECT_EQ(o.result, ProbeOutcome::Result::kFailed) << o.cause;
    EXPECT_NE(o.cause.find(part), std::string::npos) << o.cause;
  }

  ProbeTarget http(const std::string& path) {
    return {.protocol = "HTTP", .host = "localhost", .port = server.port(), .path = path, .timeoutSeconds = 2};
  }

  boost::asio::io_context io;
  http::Server server{io};
  NetworkProbe probe{io};
  std::vector<http::Responder> hung;
};

TEST_F(HealthProbeTest, HttpPassesOn200To399) {
  for (int code : {200, 204, 301, 399}) {
    EXPECT_EQ(run(http("/status/" + std::to_string(code))).result, ProbeOutcome::Result::kPassed) << code;
  }
  for (int code : {400, 404, 500, 503}) {
    std::string path = "/status/" + std::to_string(code);
    expectFailure(http(path),
                  "GET http://localhost:" + std::to_string(server.port()) + path + " returned " + std::to_string(code));
  }
  // Any path the server does not know: 404.
  EXPECT_EQ(run(http("/nothing")).result, ProbeOutcome::Result::kFailed);
}

TEST_F(HealthProbeTest, InformationalAnswersFailUnlessIgnored) {
  ProbeTarget target = http("/");
  EXPECT_EQ(judgeHttpStatus(target, 102).result, ProbeOutcome::Result::kFailed);
  target.ignoreHttp1xx = true;
  EXPECT_EQ(judgeHttpStatus(target, 102).result, ProbeOutcome::Result::kIgnored);
  EXPECT_EQ(judgeHttpStatus(target, 200).result, ProbeOutcome::Result::kPassed);
  EXPECT_EQ(judgeHttpStatus(target, 500).result, ProbeOutcome::Result::kFailed);
}

TEST_F(HealthProbeTest, HttpTimesOut) {
  ProbeTarget target = http("/hang");
  target.timeoutSeconds = 0.2;
  expectFailure(target, "timed out after 0.2 s");
}

TEST_F(HealthProbeTest, TcpPassesWhenSomethingListens) {
  ProbeTarget target{.protocol = "TCP", .host = "127.0.0.1", .port = server.port(), .timeoutSeconds = 2};
  EXPECT_EQ(run(target).result, ProbeOutcome::Result::kPassed);
  // A port nothing listens on: refused.
  boost::asio::ip::tcp::acceptor closed(io, {boost::asio::ip::address_v4::loopback(), 0});
  target.port = closed.local_endpoint().port();
  closed.close();
  expectFailure(target, "connect to 127.0.0.1:");
  // A host that does not resolve.
  target.host = "no-such-host.invalid";
  expectFailure(target, "cannot resolve");
}

TEST_F(HealthProbeTest, NoPortFails) {
  ProbeTarget target = http("/status/200");
  target.port = 0;
  expectFailure(target, "no such port");
}

}  // namespace
}  // namespace tepui::services
