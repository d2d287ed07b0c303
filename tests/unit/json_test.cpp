// Unit tests for common/json, output side: the stout-shaped JSON Mesos v1
// clients depend on (field names, defaults, scheduler calls, numbers,
// serialize(), base64). Input, errors and robustness: json_input_test.cpp.
// JSON is compared structurally (boost::json values), never as text, except
// where the text itself is the contract (serialize()).
#include "json_test_util.hpp"

namespace tepui::json {
namespace {

using namespace jsontest;

// ---------------------------------------------------------------------------
// Output shape.

TEST(JsonOutput, FrameworkInfoShape) {
  expectJsonEq(toValue(sampleFramework()), R"({
    "user": "root", "name": "marathon", "id": {"value": "fw-1"},
    "failover_timeout": 604800, "checkpoint": true,
    "roles": ["web", "batch"], "principal": "ops",
    "capabilities": [{"type": "MULTI_ROLE"}, {"type": "PARTITION_AWARE"}],
    "labels": {"labels": [{"key": "team", "value": "infra"}, {"key": "flag"}]}
  })");
}

TEST(JsonOutput, FrameworkInfoRoundTrip) { expectRoundTrip(sampleFramework()); }

TEST(JsonOutput, NonDeprecatedDefaultsAlwaysWritten) {
  v1::FrameworkInfo framework;
  framework.set_user("u");
  framework.set_name("n");
  expectJsonEq(toValue(framework),
               R"({"user":"u","name":"n","failover_timeout":0,"checkpoint":false})");

  v1::CommandInfo command;
  expectJsonEq(toValue(command), R"({"shell":true})");

  v1::Filters filters;
  expectJsonEq(toValue(filters), R"({"refuse_seconds":5})");

  v1::HealthCheck check;
  expectJsonEq(toValue(check), R"({"delay_seconds":15,"interval_seconds":10,"timeout_seconds":20,
                                   "consecutive_failures":3,"grace_period_seconds":10})");

  v1::AgentInfo agent;
  agent.set_hostname("h");
  expectJsonEq(toValue(agent), R"({"hostname":"h","port":5051})");

  // A required field with a default is written too (stout does the same).
  v1::MasterInfo master;
  master.set_id("m");
  master.set_ip(16777343);
  expectJsonEq(toValue(master), R"({"id":"m","ip":16777343,"port":5050})");

  // Enum defaults are written by name.
  v1::Environment::Variable variable;
  variable.set_name("A");
  expectJsonEq(toValue(variable), R"({"name":"A","type":"VALUE"})");
}

// The deprecated `role` fields are exercised on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST(JsonOutput, DeprecatedDefaultsWrittenOnlyWhenSet) {
  v1::Resource resource;
  resource.set_name("cpus");
  resource.set_type(v1::Value::SCALAR);
  resource.mutable_scalar()->set_value(0.5);
  expectJsonEq(toValue(resource), R"({"name":"cpus","type":"SCALAR","scalar":{"value":0.5}})");

  resource.set_role("*");
  expectJsonEq(toValue(resource),
               R"({"name":"cpus","type":"SCALAR","scalar":{"value":0.5},"role":"*"})");

  v1::FrameworkInfo framework;
  framework.set_user("u");
  framework.set_name("n");
  EXPECT_FALSE(toValue(framework).as_object().contains("role"));
  framework.set_role("web");
  EXPECT_EQ(toValue(framework).as_object().at("role").as_string(), "web");
}
#pragma GCC diagnostic pop

TEST(JsonOutput, UnsetOptionalsAndEmptyRepeatedOmitted) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value("t");
  status.set_state(v1::TASK_RUNNING);
  status.mutable_labels();  // set but empty: an empty object, as stout writes it
  expectJsonEq(toValue(status), R"({"task_id":{"value":"t"},"state":"TASK_RUNNING","labels":{}})");
}

TEST(JsonOutput, ExplicitlySetDefaultValuesAreWritten) {
  v1::CommandInfo command;
  command.set_shell(false);
  command.set_value("/bin/true");
  expectJsonEq(toValue(command), R"({"shell":false,"value":"/bin/true"})");
}

TEST(JsonOutput, ToJsonIsCompactAndParses) {
  const std::string text = toJson(sampleFramework());
  EXPECT_EQ(text.find_first_of(" \n"), std::string::npos) << text;  // no string holds a space
  EXPECT_TRUE(sameJson(parse(text), toValue(sampleFramework())));
  EXPECT_NE(text.find("\"failover_timeout\":604800.0"), std::string::npos) << text;
}

// ---------------------------------------------------------------------------
// Scheduler calls, as Mesos clients send them.

constexpr std::string_view kSubscribe = R"({
  "type": "SUBSCRIBE",
  "subscribe": {
    "framework_info": {
      "user": "root", "name": "tepui-test",
      "roles": ["web"],
      "capabilities": [{"type": "MULTI_ROLE"}, {"type": "RESERVATION_REFINEMENT"}],
      "failover_timeout": 3600.5,
      "labels": {"labels": [{"key": "k", "value": "v"}]},
      "some_future_field": {"ignored": true}
    },
    "suppressed_roles": ["batch"]
  }
})";

TEST(JsonSchedulerCall, Subscribe) {
  const Call call = mustParse<Call>(kSubscribe);
  ASSERT_EQ(call.type(), Call::SUBSCRIBE);
  const v1::FrameworkInfo& info = call.subscribe().framework_info();
  EXPECT_EQ(info.user(), "root");
  EXPECT_EQ(info.name(), "tepui-test");
  ASSERT_EQ(info.roles_size(), 1);
  EXPECT_EQ(info.roles(0), "web");
  ASSERT_EQ(info.capabilities_size(), 2);
  EXPECT_EQ(info.capabilities(1).type(), v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
  EXPECT_DOUBLE_EQ(info.failover_timeout(), 3600.5);
  EXPECT_FALSE(info.has_checkpoint());
  EXPECT_EQ(info.labels().labels(0).value(), "v");
  EXPECT_EQ(call.subscribe().suppressed_roles(0), "batch");

  expectJsonEq(toValue(call), R"({
    "type": "SUBSCRIBE",
    "subscribe": {
      "framework_info": {
        "user": "root", "name": "tepui-test", "failover_timeout": 3600.5, "checkpoint": false,
        "roles": ["web"],
        "capabilities": [{"type": "MULTI_ROLE"}, {"type": "RESERVATION_REFINEMENT"}],
        "labels": {"labels": [{"key": "k", "value": "v"}]}
      },
      "suppressed_roles": ["batch"]
    }
  })");
  expectRoundTrip(call);
}


TEST(JsonSchedulerCall, AcceptWithLaunch) {
  const Call call = mustParse<Call>(kAccept);
  ASSERT_EQ(call.type(), Call::ACCEPT);
  EXPECT_EQ(call.framework_id().value(), "fw-1");
  ASSERT_EQ(call.accept().offer_ids_size(), 2);
  EXPECT_DOUBLE_EQ(call.accept().filters().refuse_seconds(), 1.5);
  ASSERT_EQ(call.accept().operations_size(), 1);
  const auto& op = call.accept().operations(0);
  EXPECT_EQ(op.type(), v1::Offer::Operation::LAUNCH);
  ASSERT_EQ(op.launch().task_infos_size(), 1);
  const v1::TaskInfo& task = op.launch().task_infos(0);
  ASSERT_EQ(task.resources_size(), 4);
  EXPECT_DOUBLE_EQ(task.resources(0).scalar().value(), 0.1);
  const auto* roleField = v1::Resource::descriptor()->FindFieldByName("role");
  EXPECT_FALSE(task.resources(0).GetReflection()->HasField(task.resources(0), roleField));
  EXPECT_TRUE(task.resources(1).GetReflection()->HasField(task.resources(1), roleField));
  EXPECT_EQ(task.resources(2).ranges().range(1).begin(), 31005u);
  EXPECT_EQ(task.resources(3).set().item(1), "b");
  EXPECT_EQ(task.resources(3).reservations(0).type(), v1::Resource::ReservationInfo::DYNAMIC);
  EXPECT_EQ(task.command().value(), "sleep 1000");
  EXPECT_TRUE(task.command().shell());
  EXPECT_FALSE(task.command().has_shell());
  EXPECT_EQ(task.command().environment().variables(1).secret().value().data(), "secret");
  EXPECT_EQ(task.command().environment().variables(0).type(), v1::Environment::Variable::VALUE);
  ASSERT_EQ(task.limits().size(), 2u);
  EXPECT_DOUBLE_EQ(task.limits().at("cpus").value(), 2);
  EXPECT_TRUE(std::isinf(task.limits().at("mem").value()));
  EXPECT_EQ(task.health_check().tcp().port(), 31000u);

  const bj::value out = toValue(call);
  const bj::value& outTask = out.at("accept").at("operations").at(0).at("launch").at("task_infos").at(0);
  expectJsonEq(outTask.at("resources"), R"([
    {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
    {"name": "mem", "type": "SCALAR", "scalar": {"value": 128}, "role": "*"},
    {"name": "ports", "type": "RANGES",
     "ranges": {"range": [{"begin": 31000, "end": 31001}, {"begin": 31005, "end": 31005}]}},
    {"name": "zones", "type": "SET", "set": {"item": ["a", "b"]},
     "reservations": [{"type": "DYNAMIC", "role": "web", "principal": "ops"}]}
  ])");
  expectJsonEq(outTask.at("command"), R"({
    "uris": [{"value": "http://x/y.tgz", "extract": true}],
    "environment": {"variables": [
      {"name": "PORT", "type": "VALUE", "value": "31000"},
      {"name": "TOKEN", "type": "SECRET", "secret": {"type": "VALUE", "value": {"data": "c2VjcmV0"}}}
    ]},
    "shell": true, "value": "sleep 1000"
  })");
  expectJsonEq(outTask.at("limits"), R"({"cpus": {"value": 2}, "mem": {"value": "Infinity"}})");
  expectJsonEq(outTask.at("health_check"), R"({"delay_seconds":15,"interval_seconds":10,
    "timeout_seconds":20,"consecutive_failures":3,"grace_period_seconds":10,
    "type":"TCP","tcp":{"protocol":"IPv4","port":31000}})");
  expectJsonEq(out.at("accept").at("filters"), R"({"refuse_seconds": 1.5})");
  expectRoundTrip(call);
}

TEST(JsonSchedulerCall, AcceptBuiltInCodeRoundTrips) {
  Call call;
  call.mutable_framework_id()->set_value("fw");
  call.set_type(Call::ACCEPT);
  call.mutable_accept()->add_offer_ids()->set_value("o");
  auto* op = call.mutable_accept()->add_operations();
  op->set_type(v1::Offer::Operation::LAUNCH);
  auto* task = op->mutable_launch()->add_task_infos();
  task->set_name("t");
  task->mutable_task_id()->set_value("t");
  task->mutable_agent_id()->set_value("a");
  auto* cpus = task->add_resources();
  cpus->set_name("cpus");
  cpus->set_type(v1::Value::SCALAR);
  cpus->mutable_scalar()->set_value(1.25);
  auto* ports = task->add_resources();
  ports->set_name("ports");
  ports->set_type(v1::Value::RANGES);
  auto* range = ports->mutable_ranges()->add_range();
  range->set_begin(1);
  range->set_end(std::numeric_limits<std::uint64_t>::max());
  task->mutable_command()->set_value("echo hi");
  auto* var = task->mutable_command()->mutable_environment()->add_variables();
  var->set_name("X");
  var->set_value("quote\" backslash\\ newline\n tab\t ctl\x01 utf8 \xc3\xa9");
  (*task->mutable_limits())["cpus"].set_value(4);
  (*task->mutable_limits())["mem"].set_value(std::numeric_limits<double>::infinity());
  task->set_data(std::string("\x00\xff\x10", 3));
  expectRoundTrip(call);
}

// ---------------------------------------------------------------------------
// Numbers.

TEST(JsonNumbers, SixtyFourBitIntegersAreNumbers) {
  v1::TimeInfo time;
  time.set_nanoseconds(-1234567890123456789);
  const bj::value v = toValue(time);
  ASSERT_TRUE(v.at("nanoseconds").is_int64());
  EXPECT_EQ(v.at("nanoseconds").as_int64(), -1234567890123456789);

  v1::Value::Range range;
  range.set_begin(0);
  range.set_end(std::numeric_limits<std::uint64_t>::max());
  const bj::value r = toValue(range);
  EXPECT_EQ(r.at("end").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(tepui::json::serialize(r), R"({"begin":0,"end":18446744073709551615})");
  expectRoundTrip(range);
}

TEST(JsonNumbers, NumericStringsAcceptedForIntegers) {
  EXPECT_EQ(mustParse<v1::TimeInfo>(R"({"nanoseconds":"-9223372036854775808"})").nanoseconds(),
            std::numeric_limits<std::int64_t>::min());
  const auto range = mustParse<v1::Value::Range>(R"({"begin":"31000","end":"18446744073709551615"})");
  EXPECT_EQ(range.begin(), 31000u);
  EXPECT_EQ(range.end(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(mustParse<v1::AgentInfo>(R"({"hostname":"h","port":"5052"})").port(), 5052);
}

TEST(JsonNumbers, IntegralDoublesAcceptedForIntegers) {
  EXPECT_EQ(mustParse<v1::TimeInfo>(R"({"nanoseconds":1e3})").nanoseconds(), 1000);
  EXPECT_EQ(mustParse<v1::TimeInfo>(R"({"nanoseconds":5.0})").nanoseconds(), 5);
  EXPECT_EQ(mustParse<v1::TimeInfo>(R"({"nanoseconds":-0.0})").nanoseconds(), 0);
}

TEST(JsonNumbers, RejectsFractionsAndOutOfRange) {
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":1.5})"), "nanoseconds: expected an integer");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":"1.5"})"), "nanoseconds: expected an integer");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":"12abc"})"), "nanoseconds: expected an integer");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":""})"), "nanoseconds: expected an integer");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":" 1"})"), "nanoseconds: expected an integer");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":true})"), "nanoseconds: expected an integer");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":9223372036854775808})"),
            "nanoseconds: integer out of range");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":"9223372036854775808"})"),
            "nanoseconds: integer out of range");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":"-9223372036854775809"})"),
            "nanoseconds: integer out of range");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":123456789012345678901234567890})"),
            "nanoseconds: integer out of range");
  EXPECT_EQ(parseError<v1::TimeInfo>(R"({"nanoseconds":1e400})"), "nanoseconds: integer out of range");
  EXPECT_EQ(parseError<v1::Value::Range>(R"({"begin":18446744073709551616,"end":1})"),
            "begin: integer out of range");
  EXPECT_EQ(parseError<v1::Value::Range>(R"({"begin":"99999999999999999999999","end":1})"),
            "begin: integer out of range");
  EXPECT_EQ(parseError<v1::Value::Range>(R"({"begin":-1,"end":1})"),
            "begin: expected a non-negative integer");
  EXPECT_EQ(parseError<v1::Value::Range>(R"({"begin":"-1","end":1})"),
            "begin: expected a non-negative integer");
  EXPECT_EQ(parseError<v1::Value::Range>(R"({"begin":-1e30,"end":1})"),
            "begin: expected a non-negative integer");
  // 32-bit fields: int32 port, uint32 MasterInfo.ip.
  EXPECT_EQ(parseError<v1::AgentInfo>(R"({"hostname":"h","port":2147483648})"),
            "port: integer out of range");
  EXPECT_EQ(parseError<v1::AgentInfo>(R"({"hostname":"h","port":-2147483649})"),
            "port: integer out of range");
  EXPECT_EQ(mustParse<v1::AgentInfo>(R"({"hostname":"h","port":-2147483648})").port(),
            std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(parseError<v1::MasterInfo>(R"({"id":"m","ip":4294967296,"port":1})"), "ip: integer out of range");
  EXPECT_EQ(mustParse<v1::MasterInfo>(R"({"id":"m","ip":4294967295,"port":1})").ip(), 4294967295u);
}

TEST(JsonNumbers, DoublesAcceptNumbersAndStrings) {
  EXPECT_DOUBLE_EQ(mustParse<v1::Filters>(R"({"refuse_seconds":3})").refuse_seconds(), 3);
  EXPECT_DOUBLE_EQ(mustParse<v1::Filters>(R"({"refuse_seconds":"2.5"})").refuse_seconds(), 2.5);
  EXPECT_DOUBLE_EQ(mustParse<v1::Filters>(R"({"refuse_seconds":-1e-3})").refuse_seconds(), -1e-3);
  EXPECT_DOUBLE_EQ(mustParse<v1::Filters>(R"({"refuse_seconds":18446744073709551615})").refuse_seconds(),
                   18446744073709551615.0);
  EXPECT_EQ(parseError<v1::Filters>(R"({"refuse_seconds":"fast"})"), "refuse_seconds: expected a number");
  EXPECT_EQ(parseError<v1::Filters>(R"({"refuse_seconds":"1e999"})"), "refuse_seconds: number out of range");
  EXPECT_EQ(parseError<v1::Filters>(R"({"refuse_seconds":false})"), "refuse_seconds: expected a number");
  EXPECT_EQ(parseError<v1::Filters>(R"({"refuse_seconds":[1]})"), "refuse_seconds: expected a number");
}

TEST(JsonNumbers, NonFiniteDoublesAsStrings) {
  v1::Value::Scalar scalar;
  for (const double d : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                         std::numeric_limits<double>::quiet_NaN()}) {
    scalar.set_value(d);
    const bj::value v = toValue(scalar);
    ASSERT_TRUE(v.at("value").is_string());
    const std::string text = toJson(scalar);
    EXPECT_TRUE(text == R"({"value":"Infinity"})" || text == R"({"value":"-Infinity"})" ||
                text == R"({"value":"NaN"})")
        << text;
    v1::Value::Scalar back;
    ASSERT_TRUE(fromJson(text, &back).ok());
    if (std::isnan(d)) {
      EXPECT_TRUE(std::isnan(back.value()));
    } else {
      EXPECT_EQ(back.value(), d);
    }
  }
  expectJsonEq(toValue(mustParse<v1::Value::Scalar>(R"({"value":"-Infinity"})")), R"({"value":"-Infinity"})");
  expectJsonEq(toValue(mustParse<v1::Value::Scalar>(R"({"value":"NaN"})")), R"({"value":"NaN"})");
}

// Every finite double survives toJson/fromJson bit for bit (Boost 1.81's own
// text-to-double conversion can be one ulp off).
TEST(JsonNumbers, DoublesRoundTripExactly) {
  std::mt19937_64 rng(7);
  std::vector<double> values = {0.1, 1.0 / 3, 1718000000.123456, 2.5e-300, 5e-324, 1.7976931348623157e308,
                                -0.0, 0.30000000000000004};
  while (values.size() < 5000) {
    const std::uint64_t bits = rng();
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
  }
  for (const double d : values) {
    v1::Value::Scalar scalar;
    scalar.set_value(d);
    const std::string text = toJson(scalar);
    v1::Value::Scalar back;
    ASSERT_TRUE(fromJson(text, &back).ok()) << text;
    const double got = back.value();
    ASSERT_EQ(std::memcmp(&d, &got, sizeof d), 0) << text;
  }
}

// ---------------------------------------------------------------------------
// serialize(): the text contract.

TEST(JsonSerialize, DoublesKeepADecimalPoint) {
  EXPECT_EQ(tepui::json::serialize(parse("[5.0, 0.1, -0.0, 1e300, 1e-7, 0.30000000000000004, 128]")),
            "[5.0,0.1,-0.0,1e+300,1e-07,0.30000000000000004,128]");
  v1::Filters filters;
  EXPECT_EQ(toJson(filters), R"({"refuse_seconds":5.0})");
}

TEST(JsonSerialize, NonFiniteValuesBecomeStrings) {
  bj::array a;
  a.emplace_back(std::numeric_limits<double>::infinity());
  a.emplace_back(-std::numeric_limits<double>::infinity());
  a.emplace_back(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(tepui::json::serialize(a), R"(["Infinity","-Infinity","NaN"])");
}

TEST(JsonSerialize, MatchesBoostStructurally) {
  const std::string text = std::string(R"({"a":[1,-2,18446744073709551615,true,false,null,"x\"\\\/\b\f\n\r\t)") +
                           R"(\u0001\u001f\u007f é 日本 😀"],"o":{"":{},"e":[]},"d":-2.5e-3})";
  const bj::value v = parse(text);
  const std::string ours = tepui::json::serialize(v);
  EXPECT_EQ(parse(ours), v) << ours;
  EXPECT_EQ(ours.find(' ', 0), ours.find(" é"));  // compact: the only spaces are inside strings
  EXPECT_NE(ours.find(R"(\u0001\u001f)"), std::string::npos) << ours;
}

// ---------------------------------------------------------------------------
// Bytes.

TEST(JsonBytes, Base64BothWays) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value("t");
  status.set_state(v1::TASK_FINISHED);
  const std::string uuid("\x00\x01\xfe\xff\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0", 16);
  status.set_uuid(uuid);
  const bj::value v = toValue(status);
  EXPECT_EQ(v.at("uuid").as_string(), "AAH+/xAgMEBQYHCAkKCwwA==");
  expectRoundTrip(status);

  // All padding lengths.
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}};
  for (const auto& [raw, encoded] : cases) {
    v1::Secret::Value secret;
    secret.set_data(std::string(raw));
    EXPECT_EQ(toValue(secret).at("data").as_string(), encoded);
    EXPECT_EQ(mustParse<v1::Secret::Value>(R"({"data":")" + std::string(encoded) + "\"}").data(), raw);
  }
  // Unpadded input is tolerated.
  EXPECT_EQ(mustParse<v1::Secret::Value>(R"({"data":"Zm8"})").data(), "fo");
}

TEST(JsonBytes, InvalidBase64Rejected) {
  for (const char* bad : {"Zm9v!", "Z", "Zm9vY", "Zm=v", "Z===", "====", "Zm9v YmFy", "Zm9v-_"}) {
    EXPECT_EQ(parseError<v1::Secret::Value>(std::string(R"({"data":")") + bad + "\"}"),
              "data: invalid base64")
        << bad;
  }
  EXPECT_EQ(parseError<v1::Secret::Value>(R"({"data":12})"), "data: expected a string");
}


}  // namespace
}  // namespace tepui::json
