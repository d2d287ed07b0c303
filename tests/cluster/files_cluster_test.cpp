// In-process cluster tests of the sandbox file endpoints: a task writes its
// output and plants symlinks out of its sandbox; its files are browsed,
// read and downloaded through the agent and through the master, by host
// path and by both virtual forms; every way out of the sandbox is refused
// with 403 or 404 and a reason, and the master keeps serving afterwards.
#include <boost/json.hpp>

#include "cluster.hpp"
#include "http/client.hpp"

namespace tepui::testing {
namespace {

namespace bj = boost::json;

constexpr size_t kBigFile = 3 * 1024 * 1024;  // over the agent's one-piece download size

http::Response get(const http::Endpoint& to, const std::string& target) {
  http::Request r;
  r.method = "GET";
  r.target = target;
  auto response = http::fetch(to, r, 20s);
  if (!response) {
    ADD_FAILURE() << target << ": " << response.error().message;
    return http::Response::empty(599);
  }
  return *response;
}

std::string q(const std::string& path) { return http::percentEncode(path); }

class FilesClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.addAgent();
    agent_ = {"127.0.0.1", cluster_.agent(0).call([](agent::Agent& a) { return a.port(); })};
    scheduler_.subscribe();
    auto offer = scheduler_.launch(
        {commandTask("writer",
                     "echo out-line; echo err-line >&2; ln -s /etc escape; ln -s /etc/passwd leak; mkdir sub; "
                     "head -c " +
                         std::to_string(kBigFile) + " /dev/zero | tr '\\0' x > big; echo done > ready; sleep 1000")});
    agentId_ = offer.agent_id().value();
    scheduler_.waitFor("writer", v1::TASK_RUNNING);
    fw_ = scheduler_.frameworkId();
    virtual_ = "/frameworks/" + fw_ + "/executors/writer/runs/latest";
    slaves_ = "/slaves/" + agentId_ + virtual_;
    auto state = bj::parse(get(agent_, "/state").body).as_object();
    host_ = std::string(
        state["frameworks"].as_array()[0].as_object()["executors"].as_array()[0].as_object()["directory"].as_string());
    // Wait for the task to have written everything.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (get(agent_, "/files/read?offset=0&path=" + q(host_ + "/ready")).status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the task never wrote its files";
      std::this_thread::sleep_for(50ms);
    }
  }

  // Each way of naming the sandbox, with where to ask.
  std::vector<std::pair<http::Endpoint, std::string>> everyWay() const {
    std::vector<std::pair<http::Endpoint, std::string>> ways;
    for (auto& to : {agent_, cluster_.masterEndpoint()}) {
      for (auto& base : {host_, virtual_, slaves_}) ways.emplace_back(to, base);
    }
    return ways;
  }

  void expectRefused(const http::Endpoint& to, const std::string& target) {
    auto r = get(to, target);
    EXPECT_TRUE(r.status == 403 || r.status == 404) << to.str() << target << " -> " << r.status << " " << r.body;
    EXPECT_EQ(r.header("Content-Type").value_or(""), "text/plain; charset=utf-8") << target;
    EXPECT_FALSE(r.body.empty()) << target;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;  // nothing of /etc/passwd
  }

  Cluster cluster_;
  TestScheduler scheduler_{cluster_.masterEndpoint(), frameworkInfo("files")};
  http::Endpoint agent_;
  std::string agentId_, fw_, host_, virtual_, slaves_;
};

TEST_F(FilesClusterTest, BrowseReadAndDownloadThroughTheAgentAndTheMasterByEveryPathForm) {
  for (auto& [to, base] : everyWay()) {
    SCOPED_TRACE(to.str() + " " + base);
    auto browse = get(to, "/files/browse?path=" + q(base));
    ASSERT_EQ(browse.status, 200) << browse.body;
    std::map<std::string, bj::object> entries;
    auto listing = bj::parse(browse.body);
    for (auto& e : listing.as_array()) {
      auto& o = e.as_object();
      std::string path(o.at("path").as_string());
      EXPECT_EQ(path.rfind(base + "/", 0), 0u) << path;
      for (const char* key : {"nlink", "size", "mtime", "mode", "uid", "gid"}) EXPECT_TRUE(o.contains(key)) << key;
      entries[path.substr(path.rfind('/') + 1)] = o;
    }
    for (const char* name : {"stdout", "stderr", "escape", "leak", "sub", "big"})
      EXPECT_TRUE(entries.count(name)) << name;
    EXPECT_EQ(entries["escape"]["mode"].as_string(), "lrwxrwxrwx");  // described, not followed
    EXPECT_EQ(entries["sub"]["mode"].as_string().front(), 'd');
    EXPECT_EQ(entries["stdout"]["mode"].as_string(), "-rw-r--r--");
    EXPECT_EQ(entries["big"]["size"].as_int64(), static_cast<int64_t>(kBigFile));

    auto read = get(to, "/files/read?offset=0&path=" + q(base + "/stdout"));
    ASSERT_EQ(read.status, 200);
    EXPECT_EQ(bj::parse(read.body), (bj::parse(R"({"data":"out-line\n","offset":0})")));
    EXPECT_EQ(bj::parse(get(to, "/files/read?offset=4&length=3&path=" + q(base + "/stderr")).body),
              (bj::parse(R"({"data":"lin","offset":4})")));
    EXPECT_EQ(bj::parse(get(to, "/files/read?offset=-1&path=" + q(base + "/stdout")).body),
              (bj::parse(R"({"data":"","offset":9})")));
    EXPECT_EQ(bj::parse(get(to, "/files/read?offset=100&path=" + q(base + "/stdout")).body),
              (bj::parse(R"({"data":"","offset":100})")));
    auto capped = bj::parse(get(to, "/files/read?offset=0&length=1000000&path=" + q(base + "/big")).body);
    EXPECT_EQ(capped.as_object()["data"].as_string().size(), 65536u);

    EXPECT_EQ(get(to, "/files/read?offset=0&path=" + q(base)).status, 400);
    EXPECT_EQ(get(to, "/files/read?offset=0&path=" + q(base + "/sub")).status, 400);
    EXPECT_EQ(get(to, "/files/read?offset=zero&path=" + q(base + "/stdout")).status, 400);
    EXPECT_EQ(get(to, "/files/browse?path=" + q(base + "/stdout")).status, 400);
    EXPECT_EQ(get(to, "/files/read?offset=0&path=" + q(base + "/no-such-file")).status, 404);
    EXPECT_EQ(get(to, "/files/read").status, 400);

    auto small = get(to, "/files/download?path=" + q(base + "/stderr"));
    EXPECT_EQ(small.status, 200);
    EXPECT_EQ(small.body, "err-line\n");
    EXPECT_EQ(small.header("Content-Disposition").value_or(""), "attachment; filename=\"stderr\"");
    auto big = get(to, "/files/download?path=" + q(base + "/big"));
    EXPECT_EQ(big.status, 200);
    EXPECT_EQ(big.body.size(), kBigFile);
    EXPECT_EQ(big.body.find_first_not_of('x'), std::string::npos);
    EXPECT_EQ(big.header("Content-Type").value_or(""), "application/octet-stream");
  }
}

TEST_F(FilesClusterTest, EveryWayOutOfTheSandboxIsRefusedAndTheMasterStillServes) {
  for (auto& [to, base] : everyWay()) {
    SCOPED_TRACE(to.str() + " " + base);
    for (const char* endpoint : {"/files/browse", "/files/read", "/files/download"}) {
      std::string e = std::string(endpoint) + "?offset=0&path=";
      // The symlinks the task planted, followed or looked through.
      expectRefused(to, e + q(base + "/leak"));
      expectRefused(to, e + q(base + "/escape"));
      expectRefused(to, e + q(base + "/escape/passwd"));
      // Traversal in plain, percent-encoded and double-encoded forms.
      expectRefused(to, e + q(base + "/../../../../../../../../etc/passwd"));
      expectRefused(to, e + q(base) + "%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd");
      expectRefused(to, e + q(base) + "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd");
      expectRefused(to, e + q(base) + "%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fpasswd");
      expectRefused(to, e + q(base) + "/..%2F..%2F..%2F..%2F..");
      expectRefused(to, e + q(base + "/../../../../.."));
      expectRefused(to, e + q(base + "/.."));
      // Elsewhere on the host, and the levels above a sandbox.
      expectRefused(to, e + q("/etc/passwd"));
      expectRefused(to, e + "%2Fetc%2Fpasswd");
      expectRefused(to, e + q("//etc/passwd"));
      expectRefused(to, e + q(base + "//stdout"));
      expectRefused(to, e + q(base + "/stdout") + "%00");
      expectRefused(to, e + q(base + "/stdout") + "%00/../../../etc/passwd");
      expectRefused(to, e + q(base.substr(0, base.rfind("/runs/"))));
      expectRefused(to, e + q(base.substr(0, base.rfind("/executors/"))));
    }
  }
  // Nothing above broke anything.
  for (auto& [to, base] : everyWay()) {
    auto r = get(to, "/files/read?offset=0&path=" + q(base + "/stdout"));
    EXPECT_EQ(r.status, 200) << to.str() << base;
    EXPECT_NE(r.body.find("out-line"), std::string::npos);
  }
}

TEST_F(FilesClusterTest, TheMasterSaysWhichAgentItCannotFindOrReach) {
  auto master = cluster_.masterEndpoint();
  auto unknownAgent = get(master, "/files/read?offset=0&path=" +
                                      q("/slaves/nope/frameworks/" + fw_ + "/executors/writer/runs/latest/stdout"));
  EXPECT_EQ(unknownAgent.status, 404);
  EXPECT_NE(unknownAgent.body.find("nope"), std::string::npos);
  auto unknownExecutor =
      get(master, "/files/read?offset=0&path=" + q("/frameworks/" + fw_ + "/executors/ghost/runs/latest/stdout"));
  EXPECT_EQ(unknownExecutor.status, 404);
  EXPECT_NE(unknownExecutor.body.find("ghost"), std::string::npos);
  // agent_id= names the agent when the path does not.
  EXPECT_EQ(get(master, "/files/read?offset=0&agent_id=" + q(agentId_) + "&path=" + q(host_ + "/stdout")).status, 200);
  EXPECT_EQ(get(master, "/files/read?offset=0&agent_id=nope&path=" + q(host_ + "/stdout")).status, 404);

  // The master lists nothing of its own; an agent's table, on request.
  auto debug = get(master, "/files/debug");
  EXPECT_EQ(debug.status, 200);
  EXPECT_EQ(debug.body, "{}");
  auto agentDebug = bj::parse(get(master, "/files/debug?agent_id=" + q(agentId_)).body).as_object();
  EXPECT_EQ(agentDebug.size(), 2u);  // the run and `latest`
  EXPECT_EQ(agentDebug[virtual_].as_string(), host_);

  cluster_.agent(0).stop();
  auto gone = get(master, "/files/read?offset=0&path=" + q(virtual_ + "/stdout"));
  EXPECT_EQ(gone.status, 503);
  EXPECT_NE(gone.body.find(agentId_), std::string::npos);
}

}  // namespace
}  // namespace tepui::testing
