// `tepui jobs` end to end in one process: a real master and agent, the jobs
// daemon with the scheduler attached (jobs/scheduling.hpp), jobs posted and
// read through the Chronos-compatible API over real HTTP, real tasks.
// - A scheduled job runs, its Rn exhausts, its dependent runs after it;
//   the run history shows both.
// - A failing job counts an error; a long run is killed through the API.
// - A daemon restarted while a run is in flight adopts the run (the
//   master knows its task) instead of launching it again.
#include <boost/json.hpp>

#include "cluster.hpp"
#include "jobs/jobs.hpp"
#include "jobs/scheduling.hpp"

namespace tepui::testing {
namespace {

namespace bj = boost::json;

http::Response call(const http::Endpoint& endpoint, const std::string& method, const std::string& target,
                    const std::string& body = "") {
  http::Request r;
  r.method = method;
  r.target = target;
  r.body = body;
  if (!body.empty()) r.headers["Content-Type"] = "application/json";
  auto response = http::fetch(endpoint, r);
  EXPECT_TRUE(response.ok()) << target << ": " << response.error().message;
  return response ? *response : http::Response{};
}

bj::value jsonOf(const http::Response& response) {
  boost::system::error_code ec;
  bj::value v = bj::parse(response.body, ec);
  return ec ? bj::value() : v;
}

// A jobs daemon in process, its state under `workDir`.
struct JobsDaemon {
  JobsDaemon(const http::Endpoint& master, const std::filesystem::path& workDir) {
    jobs::JobsFlags flags;
    flags.master = master.str();
    flags.work_dir = workDir.string();
    flags.ip = "127.0.0.1";
    flags.port = 0;
    flags.hostname = "127.0.0.1";
    flags.failure_retry = Seconds(1);
    auto s = daemon.start("jobs", [&](boost::asio::io_context& io) {
      auto created = jobs::Jobs::create(io, flags);
      if (created) jobs::attachScheduling(io, **created);
      return created;
    });
    if (!s) throw std::runtime_error(s.error().message);
    endpoint = {"127.0.0.1", daemon->port()};
  }
  // The job's runs (newest first), as GET /job/{name}/runs answers.
  bj::array runs(const std::string& job) {
    bj::value v = jsonOf(call(endpoint, "GET", "/v1/scheduler/job/" + job + "/runs"));
    return v.is_array() ? v.as_array() : bj::array();
  }
  bj::object job(const std::string& name) {
    bj::value v = jsonOf(call(endpoint, "GET", "/scheduler/jobs"));
    if (v.is_array())
      for (auto& j : v.as_array())
        if (j.at("name") == name.c_str()) return j.as_object();
    return {};
  }

  cli::InProcess<jobs::Jobs> daemon;
  http::Endpoint endpoint;
};

bool lastRunIs(JobsDaemon& d, const std::string& job, const std::string& state) {
  bj::array runs = d.runs(job);
  return !runs.empty() && runs[0].at("state") == state.c_str();
}

struct JobsClusterTest : ::testing::Test {
  Cluster cluster;
  void SetUp() override {
    cluster.addAgent("cpus:4;mem:2048;disk:1024");
    ASSERT_TRUE(cluster.agentRegistered(0));
  }
};

TEST_F(JobsClusterTest, ScheduledJobRunsThenItsDependentAndTheHistoryShowsBoth) {
  JobsDaemon d(cluster.masterEndpoint(), cluster.workDir() / "jobs");
  ASSERT_TRUE(eventually([&] { return call(d.endpoint, "GET", "/scheduler/jobs").status == 200; }, 30s));
  ASSERT_EQ(call(d.endpoint, "POST", "/scheduler/iso8601",
                 R"({"name":"hello","command":"echo hello","schedule":"R1//PT1H","mem":32,"disk":0})")
                .status,
            204);
  ASSERT_EQ(call(d.endpoint, "POST", "/scheduler/dependency",
                 R"({"name":"after","command":"test -n \"$mesos_task_id\"","parents":["hello"],"mem":32,"disk":0})")
                .status,
            204);
  ASSERT_TRUE(eventually([&] { return lastRunIs(d, "after", "finished"); }, 60s));
  EXPECT_TRUE(lastRunIs(d, "hello", "finished"));
  bj::object hello = d.job("hello");
  EXPECT_EQ(hello["successCount"], 1);
  EXPECT_EQ(hello["disabled"], true);  // R1: exhausted
  bj::array runs = d.runs("hello");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].at("hostname"), "127.0.0.1");
  EXPECT_NE(runs[0].at("sandbox").as_string().find("http://"), std::string::npos);
  bj::value stat = jsonOf(call(d.endpoint, "GET", "/scheduler/job/stat/after"));
  EXPECT_EQ(stat.at("histogram").at("count"), 1);
}

TEST_F(JobsClusterTest, FailureCountsAndKillThroughTheApi) {
  JobsDaemon d(cluster.masterEndpoint(), cluster.workDir() / "jobs");
  ASSERT_TRUE(eventually([&] { return call(d.endpoint, "GET", "/scheduler/jobs").status == 200; }, 30s));
  ASSERT_EQ(call(d.endpoint, "POST", "/scheduler/iso8601",
                 R"({"name":"bad","command":"exit 3","schedule":"R1//PT1H","retries":0,"mem":32,"disk":0})")
                .status,
            204);
  ASSERT_TRUE(eventually([&] { return lastRunIs(d, "bad", "failed"); }, 60s));
  EXPECT_EQ(d.job("bad")["errorCount"], 1);
  ASSERT_EQ(
      call(d.endpoint, "POST", "/scheduler/iso8601",
           R"({"name":"sleeper","command":"sleep 120","schedule":"R/2100-01-01T00:00:00Z/P1D","mem":32,"disk":0})")
          .status,
      204);
  ASSERT_EQ(call(d.endpoint, "PUT", "/scheduler/job/sleeper").status, 204);
  ASSERT_TRUE(eventually([&] { return lastRunIs(d, "sleeper", "running"); }, 60s));
  ASSERT_EQ(call(d.endpoint, "DELETE", "/scheduler/task/kill/sleeper").status, 204);
  ASSERT_TRUE(eventually([&] { return lastRunIs(d, "sleeper", "killed"); }, 60s));
}

TEST_F(JobsClusterTest, RestartedDaemonAdoptsTheRunInFlight) {
  auto d = std::make_unique<JobsDaemon>(cluster.masterEndpoint(), cluster.workDir() / "jobs");
  ASSERT_TRUE(eventually([&] { return call(d->endpoint, "GET", "/scheduler/jobs").status == 200; }, 30s));
  ASSERT_EQ(call(d->endpoint, "POST", "/scheduler/iso8601",
                 R"({"name":"long","command":"sleep 3","schedule":"R1//PT1H","mem":32,"disk":0})")
                .status,
            204);
  ASSERT_TRUE(eventually([&] { return lastRunIs(*d, "long", "running"); }, 60s));
  std::string taskId(d->runs("long")[0].at("taskId").as_string());
  d.reset();  // the scheduler stops; its task runs on
  d = std::make_unique<JobsDaemon>(cluster.masterEndpoint(), cluster.workDir() / "jobs");
  ASSERT_TRUE(eventually([&] { return lastRunIs(*d, "long", "finished"); }, 60s));
  bj::array runs = d->runs("long");
  ASSERT_EQ(runs.size(), 1u);  // adopted, not launched again
  EXPECT_EQ(runs[0].at("taskId"), taskId.c_str());
  EXPECT_EQ(d->job("long")["successCount"], 1);
}

}  // namespace
}  // namespace tepui::testing
