// In-process cluster tests of the logging level over real HTTP, on the
// master and on an agent: GET_LOGGING_LEVEL and SET_LOGGING_LEVEL in JSON
// and protobuf, the revert to verbosity 0 after the duration, a second
// change replacing the first and its timer, the legacy /logging/toggle,
// and bad input refused with 400 and a reason.
#include <boost/json.hpp>
#include <thread>

#include "operator_calls.hpp"

namespace tepui::testing {
namespace {

namespace bj = boost::json;

using AgentCall = v1::agent::Call;
using AgentResponse = v1::agent::Response;

OperatorCall setLevel(uint32_t level, int64_t nanoseconds) {
  OperatorCall c = call(OperatorCall::SET_LOGGING_LEVEL);
  c.mutable_set_logging_level()->set_level(level);
  c.mutable_set_logging_level()->mutable_duration()->set_nanoseconds(nanoseconds);
  return c;
}

AgentCall agentSetLevel(uint32_t level, int64_t nanoseconds) {
  AgentCall c;
  c.set_type(AgentCall::SET_LOGGING_LEVEL);
  c.mutable_set_logging_level()->set_level(level);
  c.mutable_set_logging_level()->mutable_duration()->set_nanoseconds(nanoseconds);
  return c;
}

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kHour = 3600 * kSecond;

uint32_t masterLevel(Cluster& cluster) {
  auto r = post(cluster, call(OperatorCall::GET_LOGGING_LEVEL));
  EXPECT_EQ(r.status, 200) << r.body;
  return decoded(r).get_logging_level().level();
}

uint32_t agentLevel(const http::Endpoint& agent) {
  AgentCall c;
  c.set_type(AgentCall::GET_LOGGING_LEVEL);
  auto r = postTo(agent, c);
  EXPECT_EQ(r.status, 200) << r.body;
  return decoded<AgentResponse>(r).get_logging_level().level();
}

// Polls until the master reports `level`, for up to 20 s.
bool becomes(Cluster& cluster, uint32_t level) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (masterLevel(cluster) == level) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(LoggingLevelClusterTest, SetLastsItsDurationThenRevertsAndASecondSetReplacesTheFirst) {
  Cluster cluster;
  auto agent = agentEndpoint(cluster, cluster.addAgent());

  // Mesos's shape, as a JSON client reads it.
  auto got = post(cluster, call(OperatorCall::GET_LOGGING_LEVEL));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(bj::parse(got.body), bj::parse(R"({"type":"GET_LOGGING_LEVEL","get_logging_level":{"level":0}})"));

  auto set = post(cluster, setLevel(1, 5 * kSecond));
  EXPECT_EQ(set.status, 200) << set.body;
  EXPECT_TRUE(set.body.empty());
  EXPECT_EQ(masterLevel(cluster), 1u);
  // The level is the process's: the agent beside the master reports it too.
  EXPECT_EQ(agentLevel(agent), 1u);
  EXPECT_TRUE(becomes(cluster, 0)) << "the level never went back to 0";

  // In protobuf, through the agent.
  AgentCall get;
  get.set_type(AgentCall::GET_LOGGING_LEVEL);
  ASSERT_EQ(postTo(agent, agentSetLevel(3, kHour), codec::ContentType::PROTOBUF).status, 200);
  auto proto = postTo(agent, get, codec::ContentType::PROTOBUF, "application/x-protobuf");
  ASSERT_EQ(proto.status, 200);
  EXPECT_EQ(proto.headers["Content-Type"], "application/x-protobuf");
  auto answer = decoded<AgentResponse>(proto, codec::ContentType::PROTOBUF);
  EXPECT_EQ(answer.type(), AgentResponse::GET_LOGGING_LEVEL);
  EXPECT_EQ(answer.get_logging_level().level(), 3u);

  // A second change replaces the first and its timer: the hour-long change
  // is cut short by one of a second, which then reverts.
  ASSERT_EQ(postTo(agent, agentSetLevel(2, kSecond)).status, 200);
  EXPECT_TRUE(becomes(cluster, 0)) << "the second change did not replace the first one's timer";

  // And the replaced change's timer does nothing: a one-second change
  // followed by an hour-long one on the other daemon stays at the latter
  // once the first one's second is over. (Nothing to poll for here: the
  // point is that nothing happens when the first timer would have fired.)
  ASSERT_EQ(post(cluster, setLevel(1, kSecond)).status, 200);
  ASSERT_EQ(postTo(agent, agentSetLevel(2, kHour)).status, 200);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(masterLevel(cluster), 2u);
  ASSERT_EQ(post(cluster, setLevel(0, kSecond)).status, 200);
  EXPECT_EQ(masterLevel(cluster), 0u);
}

TEST(LoggingLevelClusterTest, BadChangesAreRefusedWithAReason) {
  Cluster cluster;
  auto agent = agentEndpoint(cluster, cluster.addAgent());
  for (auto& to : {cluster.masterEndpoint(), agent}) {
    SCOPED_TRACE(to.str());
    auto noMessage = postJson(to, R"({"type":"SET_LOGGING_LEVEL"})");
    EXPECT_EQ(noMessage.status, 400);
    EXPECT_NE(noMessage.body.find("set_logging_level"), std::string::npos) << noMessage.body;
    auto noDuration = postJson(to, R"({"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1}})");
    EXPECT_EQ(noDuration.status, 400);
    EXPECT_NE(noDuration.body.find("duration"), std::string::npos) << noDuration.body;
    auto negativeLevel = postJson(
        to, R"({"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":-1,"duration":{"nanoseconds":1000}}})");
    EXPECT_EQ(negativeLevel.status, 400) << negativeLevel.body;
    auto absurd = postJson(
        to, R"({"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":4000000000,"duration":{"nanoseconds":1}}})");
    EXPECT_EQ(absurd.status, 400);
    EXPECT_NE(absurd.body.find("at most 100"), std::string::npos) << absurd.body;
    for (const char* duration : {"0", "-1000000000", "9000000000000000000"}) {
      auto bad = postJson(to, std::string(R"({"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1,)") +
                                  R"("duration":{"nanoseconds":)" + duration + "}}}");
      EXPECT_EQ(bad.status, 400) << duration;
      EXPECT_NE(bad.body.find("Invalid duration"), std::string::npos) << bad.body;
    }
  }
  EXPECT_EQ(masterLevel(cluster), 0u);  // nothing changed
}

TEST(LoggingLevelClusterTest, LegacyToggleSetsAndReportsTheLevel) {
  Cluster cluster;
  auto agent = agentEndpoint(cluster, cluster.addAgent());
  auto get = [](const http::Endpoint& to, const std::string& target) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    auto response = http::fetch(to, r);
    return response ? *response : http::Response{};
  };
  for (auto& to : {cluster.masterEndpoint(), agent}) {
    SCOPED_TRACE(to.str());
    EXPECT_EQ(get(to, "/logging/toggle").body, "0\n");
    auto set = get(to, "/logging/toggle?level=1&duration=1secs");
    EXPECT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(masterLevel(cluster), 1u);
    EXPECT_TRUE(becomes(cluster, 0));
    for (auto& [target, why] : std::vector<std::pair<std::string, std::string>>{
             {"/logging/toggle?level=1", "Expecting 'duration=value'"},
             {"/logging/toggle?duration=1secs", "Expecting 'level=value'"},
             {"/logging/toggle?level=-1&duration=1secs", "Invalid level '-1'"},
             {"/logging/toggle?level=1&duration=soon", "invalid duration 'soon'"},
             {"/logging/toggle?level=101&duration=1secs", "at most 100"},
             {"/logging/toggle?level=1&duration=0secs", "Invalid duration"}}) {
      auto r = get(to, target);
      EXPECT_EQ(r.status, 400) << target;
      EXPECT_NE(r.body.find(why), std::string::npos) << target << ": " << r.body;
    }
  }
  EXPECT_EQ(masterLevel(cluster), 0u);
}

}  // namespace
}  // namespace tepui::testing
