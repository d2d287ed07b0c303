// In-process cluster tests of the master's /master/frameworks,
// /master/slaves and /master/tasks over real HTTP: their entries are
// /master/state's (same keys, same values), the id filters select one entry
// or none, /master/tasks lists active and completed tasks newest first (by
// their first status), pages with limit and offset and turns with
// order=asc, and a query value that does not parse is a 400 naming the
// parameter.
#include <boost/json.hpp>

#include "cluster.hpp"

namespace tepui::testing {
namespace {

namespace bj = boost::json;

// GET `path` on the master as a JSON object (a test failure, and {}, when
// it is not a 200 with one).
bj::object getObject(Cluster& cluster, const std::string& path) {
  auto response = httpGet(cluster.masterEndpoint(), path);
  EXPECT_EQ(response.status, 200) << path << ": " << response.body;
  boost::system::error_code ec;
  bj::value v = bj::parse(response.body, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << path << " answered no JSON object: " << response.body;
    return {};
  }
  return v.as_object();
}

std::string text(const bj::value& v) { return std::string(v.as_string()); }

// The `key` of each entry, in order.
std::vector<std::string> fieldOf(const bj::value& entries, const char* key) {
  std::vector<std::string> out;
  for (auto& e : entries.as_array()) out.push_back(text(e.at(key)));
  return out;
}

std::vector<std::string> idsOf(const bj::value& entries) { return fieldOf(entries, "id"); }

std::set<std::string> keysOf(const bj::value& entry) {
  std::set<std::string> keys;
  for (auto& [key, value] : entry.as_object()) keys.insert(std::string(key));
  return keys;
}

// The entry of `id` among `entries` (a test failure, and {}, without one).
bj::object entryOf(const bj::value& entries, const std::string& id) {
  for (auto& e : entries.as_array()) {
    if (e.at("id") == id.c_str()) return e.as_object();
  }
  ADD_FAILURE() << "no entry " << id;
  return {};
}

std::string agentId(Cluster& cluster, size_t i) {
  return cluster.agent(i).call([](agent::Agent& a) { return a.id(); });
}

// Declines every offer `s` holds and suppresses it, so that another
// framework gets the agents' resources.
void stopOffers(TestScheduler& s) {
  s.run([](auto& c) { c.suppress(); });
  while (auto e = s.poll({Event::OFFERS}, 1s)) {
    std::vector<v1::OfferID> ids;
    for (auto& offer : e->offers().offers()) ids.push_back(offer.id());
    s.run([&](auto& c) { c.decline(ids); });
  }
}

// A cluster of one agent with the default resources, and its frameworks.
class MasterListsOneAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster.addAgent();
    ASSERT_TRUE(cluster.agentRegistered(0));
  }
  // A framework of this name, subscribed.
  std::unique_ptr<TestScheduler> subscribed(const std::string& name) {
    auto s = std::make_unique<TestScheduler>(cluster.masterEndpoint(), frameworkInfo(name));
    s->subscribe();
    return s;
  }

  Cluster cluster;
};

TEST_F(MasterListsOneAgentTest, FrameworksAreTheStatesEntriesSelectedById) {
  auto frameworkA = subscribed("lists-a");
  TestScheduler& a = *frameworkA;
  a.launch({commandTask("a1", "sleep 1000")});
  ASSERT_TRUE(a.untilRunning({"a1"}));
  auto frameworkB = subscribed("lists-b");
  TestScheduler& b = *frameworkB;

  auto all = getObject(cluster, "/master/frameworks");
  auto ids = idsOf(all["frameworks"]);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), (std::set<std::string>{a.frameworkId(), b.frameworkId()}));
  EXPECT_TRUE(all["completed_frameworks"].as_array().empty());
  EXPECT_TRUE(all["unregistered_frameworks"].as_array().empty());
  // The same entry as /master/state's, field for field (a1 runs and is
  // acknowledged: nothing changes between the two answers but offers).
  auto state = getObject(cluster, "/master/state");
  for (const std::string& id : {a.frameworkId(), b.frameworkId()}) {
    auto listed = entryOf(all["frameworks"], id), inState = entryOf(state["frameworks"], id);
    EXPECT_EQ(keysOf(listed), keysOf(inState));
    for (const char* key : {"name", "user", "active", "connected", "roles", "tasks", "completed_tasks", "executors"}) {
      EXPECT_EQ(listed[key], inState[key]) << key;
    }
  }

  auto one = getObject(cluster, "/master/frameworks?framework_id=" + a.frameworkId());
  ASSERT_EQ(idsOf(one["frameworks"]), std::vector<std::string>{a.frameworkId()});
  auto& entry = one["frameworks"].as_array()[0].as_object();
  EXPECT_EQ(entry["name"], "lists-a");
  EXPECT_EQ(entry["active"], true);
  EXPECT_EQ(idsOf(entry["tasks"]), std::vector<std::string>{"a1"});
  EXPECT_EQ(entry["tasks"].as_array()[0].at("state"), "TASK_RUNNING");
  auto none = getObject(cluster, "/frameworks?framework_id=no-such-framework");
  EXPECT_TRUE(none["frameworks"].as_array().empty());
  EXPECT_TRUE(none["completed_frameworks"].as_array().empty());

  // A framework torn down is listed among the completed ones, and the
  // filter finds it there.
  b.run([](auto& c) { c.teardown(); });
  const std::string byB = "/master/frameworks?framework_id=" + b.frameworkId();
  ASSERT_TRUE(eventually([&] { return getObject(cluster, byB)["completed_frameworks"].as_array().size() == 1; }));
  auto completed = getObject(cluster, byB);
  EXPECT_TRUE(completed["frameworks"].as_array().empty());
  EXPECT_EQ(completed["completed_frameworks"].as_array()[0].at("name"), "lists-b");
  EXPECT_EQ(completed["completed_frameworks"].as_array()[0].at("active"), false);
  EXPECT_EQ(idsOf(getObject(cluster, "/master/frameworks")["frameworks"]), std::vector<std::string>{a.frameworkId()});
}

TEST(MasterListsClusterTest, AgentsCarryTheirResourcesInFullAndAreSelectedById) {
  Cluster cluster;
  cluster.addAgent("cpus:2;cpus(ops):1;mem:1024;disk:512", [](agent::AgentFlags& f) { f.attributes = "rack:r1"; });
  cluster.addAgent("cpus:1;mem:512;disk:256");
  ASSERT_TRUE(cluster.agentRegistered(0));
  ASSERT_TRUE(cluster.agentRegistered(1));
  const std::string first = agentId(cluster, 0), second = agentId(cluster, 1);
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("lists-agents"));
  s.subscribe();
  auto offer = s.launch({commandTask("busy", "sleep 1000", 0.5)});
  ASSERT_TRUE(s.untilRunning({"busy"}));
  const std::string busy = offer.agent_id().value();

  auto all = getObject(cluster, "/master/slaves");
  auto ids = idsOf(all["slaves"]);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), (std::set<std::string>{first, second}));
  EXPECT_TRUE(all["recovered_slaves"].as_array().empty());
  auto state = getObject(cluster, "/master/state");
  for (const std::string& id : {first, second}) {
    auto listed = entryOf(all["slaves"], id), inState = entryOf(state["slaves"], id);
    EXPECT_EQ(keysOf(listed), keysOf(inState));
    for (const char* key : {"hostname", "attributes", "resources", "reserved_resources", "used_resources"}) {
      EXPECT_EQ(listed[key], inState[key]) << key;
    }
  }

  auto agent = entryOf(all["slaves"], first);
  EXPECT_EQ(agent["hostname"], "127.0.0.1");
  EXPECT_EQ(agent["attributes"], (bj::object{{"rack", "r1"}}));
  EXPECT_EQ(agent["resources"].at("cpus"), 3.0);
  EXPECT_EQ(agent["reserved_resources"].at("ops").at("cpus"), 1.0);
  // The reserved cpus as a v1 Resource, reservation and all.
  auto& reservedFull = agent["reserved_resources_full"].at("ops").as_array();
  ASSERT_EQ(reservedFull.size(), 1u);
  EXPECT_EQ(reservedFull[0].at("name"), "cpus");
  EXPECT_EQ(reservedFull[0].at("scalar").at("value"), 1.0);
  EXPECT_EQ(reservedFull[0].at("reservations").at(0).at("role"), "ops");
  double unreservedCpus = 0;
  for (auto& r : agent["unreserved_resources_full"].as_array()) {
    EXPECT_FALSE(r.as_object().contains("reservations")) << bj::serialize(r);
    if (r.at("name") == "cpus") unreservedCpus += r.at("scalar").at("value").as_double();
  }
  EXPECT_EQ(unreservedCpus, 2.0);
  // What the running task holds, in full, on its agent alone.
  for (const std::string& id : {first, second}) {
    auto entry = entryOf(all["slaves"], id);
    double usedCpus = 0;
    for (auto& r : entry["used_resources_full"].as_array()) {
      EXPECT_TRUE(r.as_object().contains("allocation_info")) << bj::serialize(r);
      if (r.at("name") == "cpus") usedCpus += r.at("scalar").at("value").as_double();
    }
    EXPECT_DOUBLE_EQ(usedCpus, entry["used_resources"].at("cpus").as_double()) << id;
    EXPECT_EQ(usedCpus > 0, id == busy) << id;
    EXPECT_TRUE(entry["offered_resources_full"].is_array());
  }

  auto one = getObject(cluster, "/master/slaves?slave_id=" + second);
  EXPECT_EQ(idsOf(one["slaves"]), std::vector<std::string>{second});
  EXPECT_TRUE(getObject(cluster, "/slaves?slave_id=no-such-agent")["slaves"].as_array().empty());
}

TEST_F(MasterListsOneAgentTest, TasksArePagedNewestFirstAndSelectedById) {
  auto framework = subscribed("lists-tasks");
  TestScheduler& s = *framework;
  // One at a time, so that each task's first status comes after the last
  // one's: t0, t2 and t4 finish, t1 and t3 keep running.
  for (int i = 0; i < 5; ++i) {
    std::string id = "t" + std::to_string(i);
    s.launch({commandTask(id, i % 2 ? "sleep 1000" : "true")}, 0.0);
    if (i % 2)
      ASSERT_TRUE(s.untilRunning({id}));
    else
      s.waitFor(id, v1::TASK_FINISHED);
  }
  stopOffers(s);
  auto other = subscribed("lists-other");
  other->launch({commandTask("o1", "sleep 1000")});
  ASSERT_TRUE(other->untilRunning({"o1"}));

  auto all = getObject(cluster, "/master/tasks");
  EXPECT_EQ(idsOf(all["tasks"]), (std::vector<std::string>{"o1", "t4", "t3", "t2", "t1", "t0"}));
  double previous = std::numeric_limits<double>::infinity();
  for (auto& t : all["tasks"].as_array()) {
    double first = t.at("statuses").at(0).at("timestamp").as_double();
    EXPECT_LE(first, previous) << t.at("id");
    previous = first;
  }
  EXPECT_EQ(fieldOf(all["tasks"], "state"),
            (std::vector<std::string>{"TASK_RUNNING", "TASK_FINISHED", "TASK_RUNNING", "TASK_FINISHED", "TASK_RUNNING",
                                      "TASK_FINISHED"}));
  EXPECT_EQ(getObject(cluster, "/tasks")["tasks"], all["tasks"]);
  EXPECT_EQ(idsOf(getObject(cluster, "/master/tasks?order=asc")["tasks"]),
            (std::vector<std::string>{"t0", "t1", "t2", "t3", "t4", "o1"}));
  EXPECT_EQ(idsOf(getObject(cluster, "/master/tasks?order=desc&limit=2")["tasks"]),
            (std::vector<std::string>{"o1", "t4"}));
  EXPECT_EQ(idsOf(getObject(cluster, "/master/tasks?limit=2&offset=2")["tasks"]),
            (std::vector<std::string>{"t3", "t2"}));
  EXPECT_EQ(idsOf(getObject(cluster, "/master/tasks?offset=5")["tasks"]), std::vector<std::string>{"t0"});
  EXPECT_TRUE(getObject(cluster, "/master/tasks?offset=6")["tasks"].as_array().empty());
  EXPECT_TRUE(getObject(cluster, "/master/tasks?limit=0")["tasks"].as_array().empty());

  const std::string ofS = "/master/tasks?framework_id=" + s.frameworkId();
  EXPECT_EQ(idsOf(getObject(cluster, ofS)["tasks"]), (std::vector<std::string>{"t4", "t3", "t2", "t1", "t0"}));
  EXPECT_EQ(idsOf(getObject(cluster, ofS + "&order=asc&limit=2&offset=1")["tasks"]),
            (std::vector<std::string>{"t1", "t2"}));
  EXPECT_TRUE(getObject(cluster, "/master/tasks?framework_id=no-such-framework")["tasks"].as_array().empty());

  // A task's entry is /master/state's, running or completed.
  auto state = getObject(cluster, "/master/state");
  auto inState = entryOf(state["frameworks"], s.frameworkId());
  for (const char* id : {"t3", "t0"}) {
    auto selected = getObject(cluster, std::string("/master/tasks?task_id=") + id)["tasks"];
    ASSERT_EQ(idsOf(selected), std::vector<std::string>{id});
    bj::array stateTasks = inState["tasks"].as_array();
    for (auto& t : inState["completed_tasks"].as_array()) stateTasks.push_back(t);
    EXPECT_EQ(selected.as_array()[0], entryOf(stateTasks, id)) << id;
    EXPECT_EQ(selected.as_array()[0].at("framework_id"), s.frameworkId().c_str());
  }
}

TEST(MasterListsClusterTest, QueryValuesThatDoNotParseAreRefusedNamingTheParameter) {
  Cluster cluster;
  for (auto [path, parameter] : std::vector<std::pair<std::string, std::string>>{{"/master/tasks?limit=abc", "limit"},
                                                                                 {"/master/tasks?limit=", "limit"},
                                                                                 {"/master/tasks?offset=-1", "offset"},
                                                                                 {"/tasks?order=sideways", "order"}}) {
    auto response = httpGet(cluster.masterEndpoint(), path);
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_NE(response.body.find("'" + parameter + "'"), std::string::npos) << path << ": " << response.body;
  }
  // JSONP, and GET only, as the other legacy endpoints.
  auto jsonp = httpGet(cluster.masterEndpoint(), "/master/slaves?jsonp=cb");
  EXPECT_EQ(jsonp.status, 200);
  EXPECT_EQ(jsonp.header("Content-Type"), "text/javascript");
  EXPECT_EQ(jsonp.body, R"(cb({"slaves":[],"recovered_slaves":[]});)");
  http::Request post;
  post.method = "POST";
  post.target = "/master/frameworks";
  auto refused = http::fetch(cluster.masterEndpoint(), post);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 405);
}

}  // namespace
}  // namespace tepui::testing
