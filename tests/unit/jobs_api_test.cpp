// The Chronos-compatible API (jobs/api.hpp) over an engine with a fake
// backend that commits at once (or fails to).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jobs/api.hpp"
#include "jobs_engine_test_util.hpp"

namespace tepui::jobs::testing {
namespace {

namespace bj = boost::json;

const Millis T0 = at("2024-01-01T00:00:00Z");

struct FakeBackend : JobsBackend {
  Harness h;
  Millis clock = T0;
  bool leading = true;
  bool failWrites = false;
  size_t applied = 0;

  Engine* engine() override { return leading ? h.engine.get() : nullptr; }
  void apply(Effects effects, std::function<void(const Status&)> done) override {
    if (failWrites) return done(Error("store unavailable"));
    ++applied;
    h.commit(std::move(effects));
    done(okStatus());
  }
  Millis now() const override { return clock; }
};

struct ApiTest : ::testing::Test {
  FakeBackend backend;
  JobsApi api{backend, JobDefaults{}};

  http::Response call(const std::string& method, const std::string& target, const std::string& body = "") {
    http::Request r;
    r.method = method;
    r.target = target;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = http::parseQuery(target.substr(q + 1));
    r.body = body;
    std::optional<http::Response> answer;
    int answers = 0;
    api.handle(r, [&](http::Response response) {
      answer = std::move(response);
      ++answers;
    });
    EXPECT_EQ(answers, 1) << method << " " << target;
    return answer ? *answer : http::Response{};
  }
  bj::value body(const http::Response& r) { return bj::parse(r.body); }
};

const char* kNightly =
    R"({"name":"nightly","command":"run.sh","schedule":"R/2024-01-01T00:00:00Z/P1D","owner":"ops@x"})";

TEST_F(ApiTest, CreatesListsAndSummarisesJobsUnderBothPrefixes) {
  EXPECT_EQ(call("POST", "/v1/scheduler/iso8601", kNightly).status, 204);
  EXPECT_EQ(call("POST", "/scheduler/dependency", R"({"name":"report","command":"r","parents":["nightly"]})").status,
            204);
  EXPECT_EQ(backend.applied, 2u);
  http::Response jobs = call("GET", "/scheduler/jobs");
  ASSERT_EQ(jobs.status, 200);
  ASSERT_EQ(body(jobs).as_array().size(), 2u);
  bj::value summary = body(call("GET", "/v1/scheduler/jobs/summary"));
  auto& list = summary.at("jobs").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("name"), "nightly");
  EXPECT_EQ(list[0].at("status"), "idle");
  EXPECT_EQ(list[0].at("state"), "fresh");
  bj::value found = body(call("GET", "/scheduler/jobs/search?name=REP"));
  ASSERT_EQ(found.as_array().size(), 1u);
  EXPECT_EQ(found.as_array()[0].at("name"), "report");
  EXPECT_EQ(call("GET", "/scheduler/jobs/search?limit=x").status, 400);
}

TEST_F(ApiTest, BadJobsAre400WithTheFieldNamed) {
  http::Response r =
      call("POST", "/scheduler/iso8601", R"({"name":"x","command":"c","schedule":"R/2024-01-01T00:00:00Z/P1X"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body(r).at("message").as_string().find("schedule:"), 0u) << r.body;
  r = call("POST", "/scheduler/iso8601", R"({"name":"x","command":"c","schedule":"R//PT1M","retries":"many"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body(r).at("message").as_string().find("retries:"), 0u) << r.body;
  r = call("POST", "/scheduler/dependency", R"({"name":"y","command":"c","parents":["ghost"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body(r).at("message").as_string().find("parents:"), 0u) << r.body;
  EXPECT_EQ(call("POST", "/scheduler/iso8601", "{not json").status, 400);
  EXPECT_EQ(backend.applied, 0u);
}

TEST_F(ApiTest, RunNowKillAndHistory) {
  ASSERT_EQ(call("POST", "/scheduler/iso8601", kNightly).status, 204);
  backend.clock = T0 + std::chrono::hours(2);
  backend.h.tick(backend.clock);  // the day's run
  backend.clock += std::chrono::seconds(1);
  EXPECT_EQ(call("PUT", "/scheduler/job/nightly?arguments=--full").status, 204);
  EXPECT_EQ(call("PUT", "/scheduler/job/ghost").status, 400);
  bj::value runs = body(call("GET", "/v1/scheduler/job/nightly/runs"));
  ASSERT_EQ(runs.as_array().size(), 2u);
  EXPECT_EQ(runs.as_array()[0].at("arguments"), "--full");  // newest first
  EXPECT_EQ(runs.as_array()[0].at("state"), "queued");
  EXPECT_EQ(body(call("GET", "/scheduler/jobs/summary")).at("jobs").as_array()[0].at("status"), "queued");
  EXPECT_EQ(call("DELETE", "/scheduler/task/kill/nightly").status, 204);
  runs = body(call("GET", "/scheduler/job/nightly/runs?limit=1"));
  ASSERT_EQ(runs.as_array().size(), 1u);
  EXPECT_EQ(runs.as_array()[0].at("state"), "killed");
  EXPECT_EQ(call("GET", "/scheduler/job/nightly/runs?limit=-1").status, 400);
}

TEST_F(ApiTest, MarkSuccessStatsAndGraphs) {
  ASSERT_EQ(call("POST", "/scheduler/iso8601", kNightly).status, 204);
  ASSERT_EQ(call("POST", "/scheduler/dependency", R"({"name":"report","command":"r","parents":["nightly"]})").status,
            204);
  http::Response ok = call("PUT", "/scheduler/job/success/nightly");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "marked job nightly as successful: true");
  EXPECT_EQ(backend.h.queued("report"), 1u);
  backend.h.runAll(T0 + std::chrono::seconds(5));
  bj::value stat = body(call("GET", "/scheduler/job/stat/report"));
  EXPECT_EQ(stat.at("histogram").at("count"), 1);
  ASSERT_EQ(stat.at("taskStatHistory").as_array().size(), 1u);
  EXPECT_EQ(stat.at("taskStatHistory").as_array()[0].at("status"), "finished");
  bj::value stats = body(call("GET", "/scheduler/stats/median"));
  ASSERT_EQ(stats.as_array().size(), 1u);
  EXPECT_EQ(stats.as_array()[0].at("jobNameLabel"), "report");
  EXPECT_EQ(call("GET", "/scheduler/stats/nonsense").status, 400);
  http::Response dot = call("GET", "/scheduler/graph/dot");
  EXPECT_NE(dot.body.find("\"nightly\" -> \"report\""), std::string::npos) << dot.body;
  http::Response csv = call("GET", "/v1/scheduler/graph/csv");
  EXPECT_NE(csv.body.find("node,nightly,success,idle"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find("link,nightly,report"), std::string::npos) << csv.body;
}

TEST_F(ApiTest, DeleteReparentsAndUnknownPathsAndMethods) {
  ASSERT_EQ(call("POST", "/scheduler/iso8601", kNightly).status, 204);
  ASSERT_EQ(call("POST", "/scheduler/dependency", R"({"name":"report","command":"r","parents":["nightly"]})").status,
            204);
  EXPECT_EQ(call("DELETE", "/scheduler/job/nightly").status, 204);
  bj::value jobs = body(call("GET", "/scheduler/jobs"));
  ASSERT_EQ(jobs.as_array().size(), 1u);
  EXPECT_NE(jobs.as_array()[0].at("schedule").as_string().find("P1D"), std::string::npos);
  EXPECT_EQ(call("DELETE", "/scheduler/job/nightly").status, 400);
  EXPECT_EQ(call("GET", "/scheduler/nothing").status, 404);
  EXPECT_EQ(call("DELETE", "/scheduler/jobs").status, 405);
  EXPECT_EQ(call("GET", "/scheduler/iso8601").status, 405);
}

TEST_F(ApiTest, AnswersOnlyOnceDurableAnd503WhenNotLeadingOrTheStoreFails) {
  backend.failWrites = true;
  http::Response r = call("POST", "/scheduler/iso8601", kNightly);
  EXPECT_EQ(r.status, 503);
  backend.leading = false;
  EXPECT_EQ(call("GET", "/scheduler/jobs").status, 503);
}

}  // namespace
}  // namespace tepui::jobs::testing
