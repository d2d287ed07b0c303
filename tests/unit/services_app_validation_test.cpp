// parseApp's validation: every rule, each reported under its exact path, all
// problems collected at once, and the 422 body.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/app_json.hpp"
#include "services_test_util.hpp"

namespace tepui::services {
namespace {

namespace bj = boost::json;
using testutil::errorsOf;
using testutil::json;

// The paths of `errors`, in order.
std::vector<std::string> paths(const ValidationErrors& errors) {
  std::vector<std::string> out;
  for (const Violation& v : errors.violations()) out.push_back(v.path);
  return out;
}

// True when one message recorded at `path` contains `part`.
bool hasError(const ValidationErrors& errors, const std::string& path, const std::string& part) {
  for (const std::string& e : errors.at(path)) {
    if (e.find(part) != std::string::npos) return true;
  }
  return false;
}

#define EXPECT_ERROR(errors, path, part) \
  EXPECT_TRUE(hasError(errors, path, part)) << "no '" << part << "' at " << path << " in: " << (errors).summary()

TEST(ServicesAppValidationTest, EveryProblemIsCollectedWithItsPath) {
  ValidationErrors errors = errorsOf(R"({"id": "Bad_Id", "cmd": "x", "cpus": "one", "mem": -1, "instances": 1.5,
      "healthChecks": [{"protocol": "HTTP"}, {"protocol": "GOPHER"}],
      "portDefinitions": [{"port": 0, "name": "web"}, {"port": 0, "name": "web"}]})");
  EXPECT_EQ(paths(errors), (std::vector<std::string>{"/id", "/cpus", "/mem", "/instances", "/portDefinitions(1)/name",
                                                     "/healthChecks(1)/protocol"}));
  EXPECT_ERROR(errors, "/cpus", "expected a number");
  EXPECT_ERROR(errors, "/mem", "at least 0");
  EXPECT_ERROR(errors, "/instances", "expected an integer");
  EXPECT_ERROR(errors, "/portDefinitions(1)/name", "duplicate port name 'web'");
  EXPECT_ERROR(errors, "/healthChecks(1)/protocol", "must be one of");
}

TEST(ServicesAppValidationTest, ErrorsGroupByPathAndNestUnderAPrefix) {
  ValidationErrors inner;
  inner.add("/", "an app needs one of cmd or args, or a container");
  inner.add("/cpus", "expected a number");
  inner.add("/cpus", "second");
  ValidationErrors outer;
  outer.addAll("/groups(0)/apps(1)", inner);
  EXPECT_EQ(outer.violations(),
            (std::vector<Violation>{{"/groups(0)/apps(1)", {"an app needs one of cmd or args, or a container"}},
                                    {"/groups(0)/apps(1)/cpus", {"expected a number", "second"}}}));
  EXPECT_EQ(outer.summary(),
            "/groups(0)/apps(1): an app needs one of cmd or args, or a container; /groups(0)/apps(1)/cpus: expected a "
            "number; /groups(0)/apps(1)/cpus: second");
  EXPECT_EQ(subPath("/", "cpus"), "/cpus");
  EXPECT_EQ(subPath("/upgradeStrategy", "maximumOverCapacity"), "/upgradeStrategy/maximumOverCapacity");
  EXPECT_EQ(indexPath("/healthChecks", 2), "/healthChecks(2)");
}

TEST(ServicesAppValidationTest, TheBodyIsMarathonsShape) {
  ValidationErrors errors = errorsOf(R"({"id": "a", "cmd": "x", "cpus": 0})");
  EXPECT_EQ(errors.toJson(), json(R"({"message": "Object is not valid",
      "details": [{"path": "/cpus", "errors": ["must be at least 0.001"]}]})"));
}

TEST(ServicesAppValidationTest, IdIsRequiredAndMustBeAValidPath) {
  EXPECT_ERROR(errorsOf(R"({"cmd": "x"})"), "/id", "needs an id");
  EXPECT_ERROR(errorsOf(R"({"id": 5, "cmd": "x"})"), "/id", "expected a string");
  EXPECT_ERROR(errorsOf(R"({"id": "/a/B", "cmd": "x"})"), "/id", "'B'");
  EXPECT_ERROR(errorsOf(R"({"id": "/", "cmd": "x"})"), "/id", "root");
  EXPECT_ERROR(errorsOf(R"({"id": "../x", "cmd": "x"})"), "/id", "above the root");
  EXPECT_ERROR(errorsOf(R"([1, 2])"), "/", "expected an object");
}

TEST(ServicesAppValidationTest, CmdArgsAndContainer) {
  EXPECT_ERROR(errorsOf(R"({"id": "a"})"), "/", "one of cmd or args, or a container");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "args": ["y"]})"), "/", "mutually exclusive");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": ""})"), "/cmd", "must not be empty");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "args": ["y", 3]})"), "/args(1)", "expected a string");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "container": "docker"})"), "/container", "expected an object");
}

TEST(ServicesAppValidationTest, ResourcesAndCounts) {
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "cpus": 0.0005})"), "/cpus", "at least 0.001");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "disk": -3})"), "/disk", "at least 0");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "gpus": -1})"), "/gpus", "at least 0");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "instances": -1})"), "/instances", "at least 0");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "instances": "2"})"), "/instances", "expected an integer");
}

TEST(ServicesAppValidationTest, EnvNamesValuesAndSecrets) {
  ValidationErrors errors = errorsOf(R"({"id": "a", "cmd": "x",
      "env": {"GOOD_1": "ok", "1BAD": "v", "DB_PASSWORD": {"secret": "db"}, "N": 3}})");
  EXPECT_EQ(paths(errors), (std::vector<std::string>{"/env/1BAD", "/env/DB_PASSWORD", "/env/N"}));
  EXPECT_ERROR(errors, "/env/1BAD", "[a-zA-Z_][a-zA-Z0-9_]*");
  EXPECT_ERROR(errors, "/env/DB_PASSWORD", "no secret store");
  EXPECT_ERROR(errors, "/env/N", "expected a string");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "secrets": {"db": {"source": "x"}}})"), "/secrets",
               "no secret store");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "labels": {"k": 1}})"), "/labels/k", "expected a string");
}

TEST(ServicesAppValidationTest, ConstraintShapes) {
  ValidationErrors errors = errorsOf(R"({"id": "a", "cmd": "x",
      "constraints": [["hostname"], "UNIQUE", ["a", "B", "c", "d"], ["rack", "IS", {}], ["host", "UNIQUE"]]})");
  EXPECT_EQ(paths(errors),
            (std::vector<std::string>{"/constraints(0)", "/constraints(1)", "/constraints(2)", "/constraints(3)(2)"}));
  EXPECT_ERROR(errors, "/constraints(0)", "2 or 3");
}

TEST(ServicesAppValidationTest, PortRules) {
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "portDefinitions": [{"port": 80}, {"port": 80}]})"),
               "/portDefinitions(1)/port", "duplicate port 80");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "portDefinitions": [{"port": 70000}]})"), "/portDefinitions(0)/port",
               "between 0 and 65535");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "portDefinitions": [{"protocol": "tcp"}]})"),
               "/portDefinitions(0)/port", "needs a port");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "portDefinitions": [{"port": 1, "protocol": "sctp"}]})"),
               "/portDefinitions(0)/protocol", "tcp");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "ports": [80, 80]})"), "/ports(1)", "duplicate port 80");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "ports": [81], "portDefinitions": [{"port": 80}]})"), "/ports",
               "disagree");
}

TEST(ServicesAppValidationTest, FetchRules) {
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "fetch": [{"extract": true}]})"), "/fetch(0)/uri", "uri");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "fetch": [{"uri": "u", "cache": "yes"}]})"), "/fetch(0)/cache",
               "expected a boolean");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "fetch": [{"uri": "u"}], "uris": ["v"]})"), "/uris",
               "give only fetch");
}

TEST(ServicesAppValidationTest, HealthCheckRules) {
  // Mixing is reported at the first check of the other level; a second
  // agent-run check at itself.
  EXPECT_ERROR(
      errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"protocol": "HTTP"}, {"protocol": "MESOS_TCP"}]})"),
      "/healthChecks(1)", "cannot be mixed");
  EXPECT_ERROR(
      errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}},
                                                                   {"protocol": "TCP"}, {"protocol": "HTTP"}]})"),
      "/healthChecks(1)", "cannot be mixed");
  EXPECT_ERROR(
      errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"protocol": "MESOS_TCP"}, {"protocol": "MESOS_HTTP"}]})"),
      "/healthChecks(1)", "at most one agent-run");
  // Several checks the scheduler runs are fine.
  EXPECT_TRUE(parseApp(json(R"({"id": "a", "cmd": "x", "portDefinitions": [{"port": 0}, {"port": 0}],
                           "healthChecks": [{"protocol": "HTTP"}, {"protocol": "TCP", "portIndex": 1},
                                            {"protocol": "HTTP", "port": 8080}]})"))
                  .ok());
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"protocol": "COMMAND"}]})"),
               "/healthChecks(0)/command", "needs command");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"protocol": "COMMAND", "command": {}}]})"),
               "/healthChecks(0)/command/value", "non-empty");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"command": {"value": "true"}}]})"),
               "/healthChecks(0)/command", "only COMMAND");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"protocol": "TCP", "path": "/"}]})"),
               "/healthChecks(0)/path", "only HTTP");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"portIndex": 1}]})"), "/healthChecks(0)/portIndex",
               "no port definition at index 1");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"intervalSeconds": 0}]})"),
               "/healthChecks(0)/intervalSeconds", "at least 1");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"ipProtocol": "IPv5"}]})"),
               "/healthChecks(0)/ipProtocol", "IPv4 or IPv6");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": [{"port": 70000}]})"), "/healthChecks(0)/port",
               "between 0 and 65535");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "healthChecks": {}})"), "/healthChecks", "expected an array");
}

TEST(ServicesAppValidationTest, ReadinessCheckRules) {
  const std::string ports = R"("portDefinitions": [{"port": 0, "name": "http-api"}])";
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", )" + ports + R"(, "readinessChecks": [{}, {}]})"),
               "/readinessChecks", "at most one");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", )" + ports +
                        R"(, "readinessChecks": [{"intervalSeconds": 5, "timeoutSeconds": 5}]})"),
               "/readinessChecks(0)/timeoutSeconds", "less than intervalSeconds (5)");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "readinessChecks": [{"portName": "admin"}]})"),
               "/readinessChecks(0)/portName", "no port definition is named 'admin'");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", )" + ports + R"(, "readinessChecks": [{"protocol": "TCP"}]})"),
               "/readinessChecks(0)/protocol", "HTTP or HTTPS");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", )" + ports +
                        R"(, "readinessChecks": [{"httpStatusCodesForReady": [200, 42]}]})"),
               "/readinessChecks(0)/httpStatusCodesForReady(1)", "status code");
}

TEST(ServicesAppValidationTest, StrategyRules) {
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "upgradeStrategy": {"minimumHealthCapacity": 1.5}})"),
               "/upgradeStrategy/minimumHealthCapacity", "between 0 and 1");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "upgradeStrategy": {"maximumOverCapacity": -0.1}})"),
               "/upgradeStrategy/maximumOverCapacity", "between 0 and 1");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "upgradeStrategy": {"progressDeadlineSeconds": 0}})"),
               "/upgradeStrategy/progressDeadlineSeconds", "at least 1");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "upgradeStrategy": {"rollbackOnFailure": "yes"}})"),
               "/upgradeStrategy/rollbackOnFailure", "expected a boolean");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x",
      "unreachableStrategy": {"inactiveAfterSeconds": 600, "expungeAfterSeconds": 300}})"),
               "/unreachableStrategy/expungeAfterSeconds", "at least inactiveAfterSeconds (600)");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "unreachableStrategy": "enabled"})"), "/unreachableStrategy",
               "disabled");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "killSelection": "RANDOM"})"), "/killSelection",
               "YOUNGEST_FIRST or OLDEST_FIRST");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "backoffFactor": 0.5})"), "/backoffFactor", "at least 1");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "backoffSeconds": -1})"), "/backoffSeconds", "at least 0");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "taskKillGracePeriodSeconds": 0})"), "/taskKillGracePeriodSeconds",
               "at least 1");
}

TEST(ServicesAppValidationTest, IdentityAndDependencyRules) {
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "dependencies": ["../../x"]})"), "/dependencies(0)",
               "above the root");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "dependencies": ["Db"]})"), "/dependencies(0)", "'Db'");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "acceptedResourceRoles": [""]})"), "/acceptedResourceRoles(0)",
               "must not be empty");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "user": ""})"), "/user", "must not be empty");
  EXPECT_ERROR(errorsOf(R"({"id": "a", "cmd": "x", "versionInfo": {"lastScalingAt": 1}})"),
               "/versionInfo/lastScalingAt", "expected a string");
}

TEST(ServicesAppValidationTest, AnyJsonTypeInAnyFieldIsAnErrorOrAcceptedNeverACrash) {
  bj::object full = json(testutil::kFullApp).as_object();
  const bj::value kinds[] = {nullptr,
                             true,
                             7,
                             -1,
                             0.5,
                             "text",
                             bj::array{},
                             bj::array{1, "a", bj::object{}},
                             bj::object{},
                             bj::object{{"k", bj::array{}}}};
  for (const auto& [key, original] : full) {
    for (const bj::value& kind : kinds) {
      bj::object body = full;
      body[key] = kind;
      Validated<AppDefinition> app = parseApp(body);
      if (app.ok()) continue;
      for (const Violation& v : app.errors().violations()) {
        // Errors stay with the field (or a rule about the whole app, a rule
        // tying health and readiness checks to the ports, or dependencies
        // resolved against a new id).
        bool related = v.path == "/" || v.path.starts_with("/" + std::string(key)) ||
                       v.path.starts_with("/healthChecks") || v.path.starts_with("/readinessChecks") ||
                       (key == "id" && v.path.starts_with("/dependencies"));
        EXPECT_TRUE(related) << key << " = " << bj::serialize(kind) << ": " << app.errors().summary();
        EXPECT_FALSE(v.errors.empty());
      }
    }
  }
}

}  // namespace
}  // namespace tepui::services
