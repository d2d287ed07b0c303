// In-process cluster tests of dynamic reservations and persistent volumes
// over real HTTP, with real agents and tasks: RESERVE and CREATE in an
// ACCEPT (with operation feedback), reserved resources offered only to
// their role, a volume's data there for the next task and after the agent
// restarts, DESTROY of a volume in use refused, and the operator calls
// RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES and
// DESTROY_VOLUMES with their 202, 400 and 409 answers.
#include <boost/json.hpp>

#include "common/resource_conversions.hpp"
#include "operator_calls.hpp"

namespace tepui::testing {
namespace {

using Operation = v1::Offer::Operation;

constexpr char kAgentResources[] = "cpus:2;mem:1024;disk:512;ports:[31000-31010]";

// `name`:`amount`, dynamically reserved for eng by principal ops.
std::string reservedJson(const std::string& name, double amount, const std::string& volume = "") {
  std::string json = R"({"name":")" + name + R"(","type":"SCALAR","scalar":{"value":)" + std::to_string(amount) +
                     R"(},"reservations":[{"type":"DYNAMIC","role":"eng","principal":"ops"}])";
  if (!volume.empty()) {
    json += R"(,"disk":{"persistence":{"id":")" + volume + R"(","principal":"ops"},)" +
            R"("volume":{"container_path":"data","mode":"RW"}})";
  }
  return json + "}";
}

Resources parsed(const std::vector<std::string>& items) {
  std::string json = "[";
  for (size_t i = 0; i < items.size(); ++i) json += (i ? "," : "") + items[i];
  auto r = Resources::parse(json + "]");
  EXPECT_TRUE(r.ok()) << json;
  return r ? *r : Resources();
}

const Resources kReserved = parsed({reservedJson("cpus", 1), reservedJson("mem", 256), reservedJson("disk", 128)});
const Resources kVolume = parsed({reservedJson("disk", 64, "db")});

Operation reserveOp(const Resources& resources, const std::string& id = "") {
  Operation op;
  op.set_type(Operation::RESERVE);
  resources.copyTo(op.mutable_reserve()->mutable_resources());
  if (!id.empty()) op.mutable_id()->set_value(id);
  return op;
}

Operation createOp(const Resources& volumes) {
  Operation op;
  op.set_type(Operation::CREATE);
  volumes.copyTo(op.mutable_create()->mutable_volumes());
  return op;
}

Operation launchOp(const v1::Offer& offer, v1::TaskInfo task) {
  Operation op;
  op.set_type(Operation::LAUNCH);
  *task.mutable_agent_id() = offer.agent_id();
  *op.mutable_launch()->add_task_infos() = std::move(task);
  return op;
}

// A task running `command` on half of the reserved cpus, some reserved
// memory and the volume.
v1::TaskInfo volumeTask(const std::string& id, const std::string& command) {
  v1::TaskInfo t = commandTask(id, command);
  parsed({reservedJson("cpus", 0.5), reservedJson("mem", 64), reservedJson("disk", 64, "db")})
      .copyTo(t.mutable_resources());
  return t;
}

v1::FrameworkInfo roleFramework(const std::string& name, const std::string& role) {
  v1::FrameworkInfo info = frameworkInfo(name, {v1::FrameworkInfo::Capability::MULTI_ROLE});
  info.add_roles(role);
  info.set_principal("ops");
  return info;
}

bool hasReserved(const v1::Offer& offer) {
  for (auto& r : Resources(offer.resources())) {
    if (r.reservations_size() > 0) return true;
  }
  return false;
}

bool hasVolume(const v1::Offer& offer, const std::string& id) {
  return conversions::persistenceIds(Resources(offer.resources())).contains(id);
}

// The next offer on `agentId` that satisfies `want`, declining others
// without a filter.
v1::Offer offerWhere(TestScheduler& s, const std::function<bool(const v1::Offer&)>& want) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    Event e = s.next(Event::OFFERS);
    for (auto& offer : e.offers().offers()) {
      if (want(offer)) return offer;
      s.run([&](auto& c) { c.decline({offer.id()}, 0.0); });
    }
  }
  ADD_FAILURE() << "no offer as wanted";
  return {};
}

TEST(ReservationClusterTest, VolumeDataOutlivesTasksAndAgentRestartsAndStaysWithItsRole) {
  Cluster cluster;
  size_t first = cluster.addAgent(kAgentResources);
  TestScheduler eng(cluster.masterEndpoint(), roleFramework("eng-framework", "eng"));
  eng.subscribe();
  v1::Offer offer = eng.next(Event::OFFERS).offers().offers(0);
  EXPECT_FALSE(hasReserved(offer));
  // Another role's framework, offered what eng leaves.
  TestScheduler other(cluster.masterEndpoint(), roleFramework("other-framework", "other"));
  other.subscribe();

  // RESERVE (with feedback), CREATE and a task writing to the volume, in
  // one ACCEPT: each operation works on what the one before left.
  eng.run([&](auto& c) {
    c.accept({offer.id()},
             {reserveOp(kReserved, "reserve-1"), createOp(kVolume),
              launchOp(offer, volumeTask("writer", "echo kept > data/file"))},
             0.0);
  });
  Event feedback = eng.next(Event::UPDATE_OPERATION_STATUS);
  EXPECT_EQ(feedback.update_operation_status().status().operation_id().value(), "reserve-1");
  EXPECT_EQ(feedback.update_operation_status().status().state(), v1::OPERATION_FINISHED);
  eng.waitFor("writer", v1::TASK_FINISHED);

  // The other role is never offered eng's reservation or volume.
  Event otherOffers = other.next(Event::OFFERS);
  ASSERT_EQ(otherOffers.offers().offers_size(), 1);
  EXPECT_FALSE(hasReserved(otherOffers.offers().offers(0)));
  EXPECT_EQ(Resources(otherOffers.offers().offers(0).resources()).scalar("cpus"), 1);  // 2 minus eng's 1

  // The next task sees the data; a running user of the volume stops DESTROY.
  v1::Offer withVolume = offerWhere(eng, [](const v1::Offer& o) { return hasVolume(o, "db"); });
  eng.run([&](auto& c) {
    c.accept({withVolume.id()}, {launchOp(withVolume, volumeTask("reader", "grep -q kept data/file && sleep 1000"))},
             0.0);
  });
  eng.waitFor("reader", v1::TASK_RUNNING);
  OperatorCall destroy;
  destroy.set_type(OperatorCall::DESTROY_VOLUMES);
  destroy.mutable_destroy_volumes()->mutable_agent_id()->set_value(withVolume.agent_id().value());
  kVolume.copyTo(destroy.mutable_destroy_volumes()->mutable_volumes());
  auto refused = post(cluster, destroy);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("in use"), std::string::npos) << refused.body;
  v1::TaskID reader;
  reader.set_value("reader");
  eng.run([&](auto& c) { c.kill(reader, withVolume.agent_id()); });
  eng.waitFor("reader", v1::TASK_KILLED);

  // The agent restarts on the same work dir as a new agent
  // (--recover=cleanup drops its id, so its offers cannot be mistaken for
  // the old ones): it comes back with the reservation and the volume, data
  // included, which live apart from the agent's id.
  std::string workDir = (cluster.workDir() / ("agent-" + std::to_string(first))).string();
  cluster.agent(first).stop();
  cluster.addAgent(kAgentResources, [&](agent::AgentFlags& f) {
    f.work_dir = workDir;
    f.recover = "cleanup";
  });
  v1::Offer again = offerWhere(eng, [&](const v1::Offer& o) {
    return o.agent_id().value() != withVolume.agent_id().value() && hasVolume(o, "db");
  });
  EXPECT_EQ(Resources(again.resources()).withoutAllocation().reserved("eng").scalar("cpus"), 1);
  // Without RESERVATION_REFINEMENT the framework reads the pre-refinement
  // form: `role` and `reservation`, no `reservations`.
  for (auto& r : again.resources()) {
    EXPECT_EQ(r.reservations_size(), 0) << r.ShortDebugString();
    if (r.role() == "eng") {
      EXPECT_EQ(r.reservation().principal(), "ops") << r.ShortDebugString();
    }
  }
  eng.run([&](auto& c) {
    c.accept({again.id()}, {launchOp(again, volumeTask("after-restart", "grep -q kept data/file"))}, 0.0);
  });
  eng.waitFor("after-restart", v1::TASK_FINISHED);
}

TEST(ReservationClusterTest, OperatorCallsReserveCreateDestroyAndUnreserve) {
  Cluster cluster;
  cluster.addAgent(kAgentResources);
  // Wait for the agent to register: its id is in the offers.
  TestScheduler watcher(cluster.masterEndpoint(), roleFramework("watcher", "eng"));
  watcher.subscribe();
  std::string agentId = watcher.next(Event::OFFERS).offers().offers(0).agent_id().value();

  auto callOf = [&](OperatorCall::Type type, const Resources& resources) {
    OperatorCall c;
    c.set_type(type);
    switch (type) {
      case OperatorCall::RESERVE_RESOURCES:
        c.mutable_reserve_resources()->mutable_agent_id()->set_value(agentId);
        resources.copyTo(c.mutable_reserve_resources()->mutable_resources());
        break;
      case OperatorCall::UNRESERVE_RESOURCES:
        c.mutable_unreserve_resources()->mutable_agent_id()->set_value(agentId);
        resources.copyTo(c.mutable_unreserve_resources()->mutable_resources());
        break;
      case OperatorCall::CREATE_VOLUMES:
        c.mutable_create_volumes()->mutable_agent_id()->set_value(agentId);
        resources.copyTo(c.mutable_create_volumes()->mutable_volumes());
        break;
      default:
        c.mutable_destroy_volumes()->mutable_agent_id()->set_value(agentId);
        resources.copyTo(c.mutable_destroy_volumes()->mutable_volumes());
        break;
    }
    return c;
  };
  auto totalOf = [&]() {
    OperatorCall get;
    get.set_type(OperatorCall::GET_AGENTS);
    v1::master::Response r;
    EXPECT_TRUE(codec::decode(post(cluster, get).body, codec::ContentType::JSON, &r));
    return r.get_agents().agents_size() == 1 ? Resources(r.get_agents().agents(0).total_resources()) : Resources();
  };

  // The watcher holds everything in an offer: the master takes it back.
  auto reserved = post(cluster, callOf(OperatorCall::RESERVE_RESOURCES, kReserved));
  EXPECT_EQ(reserved.status, 202) << reserved.body;
  EXPECT_EQ(totalOf().reserved("eng"), kReserved);
  EXPECT_EQ(conversions::base(totalOf()), *Resources::parse(kAgentResources));
  // /master/state shows the reservation per role, summed and in full.
  auto state = boost::json::parse(cluster.get("/master/state")).as_object();
  auto& agentState = state["slaves"].as_array().at(0).as_object();
  EXPECT_EQ(agentState["reserved_resources"].at("eng").at("cpus").to_number<double>(), 1);
  EXPECT_EQ(agentState["reserved_resources_full"].at("eng").as_array().size(), 3u);
  EXPECT_EQ(agentState["unreserved_resources"].at("cpus").to_number<double>(), 1);

  // Bad calls: unreserved resources (400), an unknown agent (400), more
  // than the agent has (409).
  EXPECT_EQ(post(cluster, callOf(OperatorCall::RESERVE_RESOURCES, *Resources::parse("cpus:1"))).status, 400);
  OperatorCall unknown = callOf(OperatorCall::RESERVE_RESOURCES, kReserved);
  unknown.mutable_reserve_resources()->mutable_agent_id()->set_value("no-such-agent");
  EXPECT_EQ(post(cluster, unknown).status, 400);
  auto tooMuch = post(cluster, callOf(OperatorCall::RESERVE_RESOURCES, parsed({reservedJson("cpus", 5)})));
  EXPECT_EQ(tooMuch.status, 409) << tooMuch.body;

  EXPECT_EQ(post(cluster, callOf(OperatorCall::CREATE_VOLUMES, kVolume)).status, 202);
  EXPECT_EQ(conversions::persistenceIds(totalOf()), std::set<std::string>{"db"});
  // The same id twice is refused; unreserving a volume's disk too.
  EXPECT_EQ(post(cluster, callOf(OperatorCall::CREATE_VOLUMES, kVolume)).status, 400);
  EXPECT_EQ(post(cluster, callOf(OperatorCall::UNRESERVE_RESOURCES, kVolume)).status, 400);

  // eng's framework is offered the volume.
  v1::Offer offer = offerWhere(watcher, [](const v1::Offer& o) { return hasVolume(o, "db"); });
  watcher.run([&](auto& c) { c.decline({offer.id()}, 0.0); });

  EXPECT_EQ(post(cluster, callOf(OperatorCall::DESTROY_VOLUMES, kVolume)).status, 202);
  EXPECT_TRUE(conversions::persistenceIds(totalOf()).empty());
  EXPECT_EQ(post(cluster, callOf(OperatorCall::UNRESERVE_RESOURCES, kReserved)).status, 202);
  EXPECT_EQ(totalOf(), *Resources::parse(kAgentResources));

  // The form-encoded endpoints make the same calls.
  auto form = [&](const std::string& path, const std::string& body, const std::string& method = "POST") {
    http::Request r;
    r.method = method;
    r.target = path;
    r.body = body;
    r.headers["Content-Type"] = "application/x-www-form-urlencoded";
    auto response = http::fetch(cluster.masterEndpoint(), r);
    return response ? *response : http::Response{};
  };
  std::string resources = "[" + reservedJson("cpus", 1) + "]";
  auto viaForm = form("/master/reserve", "slaveId=" + agentId + "&resources=" + http::percentEncode(resources));
  EXPECT_EQ(viaForm.status, 202) << viaForm.body;
  EXPECT_EQ(totalOf().reserved("eng").scalar("cpus"), 1);
  EXPECT_EQ(form("/unreserve", "slaveId=" + agentId + "&resources=" + http::percentEncode(resources)).status, 202);
  EXPECT_EQ(totalOf(), *Resources::parse(kAgentResources));
  EXPECT_EQ(form("/reserve", "resources=" + http::percentEncode(resources)).status, 400);
  EXPECT_EQ(form("/create-volumes", "slaveId=" + agentId + "&volumes=notjson").status, 400);
  EXPECT_EQ(form("/reserve", "", "GET").status, 405);
}

TEST(ReservationClusterTest, AChildRoleRefinesItsParentsReservationAndUnreservingGivesItBack) {
  Cluster cluster;
  cluster.addAgent(kAgentResources);
  auto info = roleFramework("web-framework", "eng/web");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
  TestScheduler web(cluster.masterEndpoint(), info);
  web.subscribe();
  std::string agentId = web.next(Event::OFFERS).offers().offers(0).agent_id().value();

  // The operator reserves to eng; eng/web is offered it (a descendant).
  OperatorCall reserve;
  reserve.set_type(OperatorCall::RESERVE_RESOURCES);
  reserve.mutable_reserve_resources()->mutable_agent_id()->set_value(agentId);
  kReserved.copyTo(reserve.mutable_reserve_resources()->mutable_resources());
  ASSERT_EQ(post(cluster, reserve).status, 202);
  v1::Offer offer = offerWhere(web, [](const v1::Offer& o) { return hasReserved(o); });
  EXPECT_EQ(Resources(offer.resources()).withoutAllocation().reserved("eng"), kReserved);

  // RESERVE refines 1 cpu of it to eng/web (the offer's role).
  auto refined = Resources::parse(
      R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[
          {"type":"DYNAMIC","role":"eng","principal":"ops"},{"type":"DYNAMIC","role":"eng/web","principal":"ops"}]}])");
  ASSERT_TRUE(refined.ok());
  web.run([&](auto& c) { c.accept({offer.id()}, {reserveOp(*refined, "refine")}, 0.0); });
  auto status = web.next(Event::UPDATE_OPERATION_STATUS).update_operation_status().status();
  EXPECT_EQ(status.state(), v1::OPERATION_FINISHED) << status.message();
  v1::Offer withRefined = offerWhere(web, [](const v1::Offer& o) {
    return Resources(o.resources()).withoutAllocation().reserved("eng/web").scalar("cpus") == 1;
  });

  // UNRESERVE pops eng/web: the cpu is eng's again, not unreserved.
  Operation unreserve;
  unreserve.set_type(Operation::UNRESERVE);
  refined->copyTo(unreserve.mutable_unreserve()->mutable_resources());
  unreserve.mutable_id()->set_value("unrefine");
  web.run([&](auto& c) { c.accept({withRefined.id()}, {unreserve}, 0.0); });
  EXPECT_EQ(web.next(Event::UPDATE_OPERATION_STATUS).update_operation_status().status().state(),
            v1::OPERATION_FINISHED);
  v1::Offer back = offerWhere(web, [](const v1::Offer& o) { return hasReserved(o); });
  EXPECT_EQ(Resources(back.resources()).withoutAllocation().reserved("eng"), kReserved);
  EXPECT_EQ(Resources(back.resources()).withoutAllocation().reserved("eng/web"), Resources());

  // A refusal comes with the reason: eng/web cannot reserve for eng.
  web.run([&](auto& c) { c.accept({back.id()}, {reserveOp(parsed({reservedJson("mem", 1)}), "wrong-role")}, 0.0); });
  auto error = web.next(Event::UPDATE_OPERATION_STATUS).update_operation_status().status();
  EXPECT_EQ(error.state(), v1::OPERATION_ERROR);
  EXPECT_NE(error.message().find("the offer is for role 'eng/web'"), std::string::npos) << error.message();
}

}  // namespace
}  // namespace tepui::testing
