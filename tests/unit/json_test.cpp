// Unit tests for common/json: the stout-shaped protobuf <-> JSON mapping that
// Mesos v1 clients depend on (field names, defaults, enums, base64, numbers,
// maps, error paths) and its robustness against hostile input. JSON is
// compared structurally (boost::json values), never as text, except where
// the text itself is the contract (serialize()).
#include "common/json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include "tepui/v1/mesos.pb.h"
#include "tepui/v1/scheduler.pb.h"

namespace tepui::json {
namespace {

namespace bj = boost::json;
using v1::scheduler::Call;

bj::value parse(std::string_view text) {
  bj::parse_options options;
  options.max_depth = 1000;  // Boost's default of 32 is below what the tests build
  return bj::parse(text, {}, options);
}

// Structural equality in which numbers compare by value: the expected
// literal `5` (an int64 to the parser) equals a written double 5.0.
bool sameJson(const bj::value& a, const bj::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
    return a == b;
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const bj::array& x = a.get_array();
    const bj::array& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!sameJson(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const bj::object& x = a.get_object();
    const bj::object& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const bj::value* other = y.if_contains(kv.key());
      if (other == nullptr || !sameJson(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

void expectJsonEq(const bj::value& actual, std::string_view expected) {
  EXPECT_TRUE(sameJson(actual, parse(expected))) << "actual:   " << bj::serialize(actual)
                                                 << "\nexpected: " << expected;
}

template <typename M>
M mustParse(std::string_view text) {
  M message;
  Status s = fromJson(text, &message);
  EXPECT_TRUE(s.ok()) << s.error().message << "\ninput: " << text;
  return message;
}

template <typename M>
std::string parseError(std::string_view text) {
  M message;
  Status s = fromJson(text, &message);
  if (s.ok()) return "<no error>";
  return s.error().message;
}

// Field presence of defaults does not survive JSON (a default is written, so
// it comes back set), hence "equivalent" rather than byte-equal; NaN == NaN.
template <typename M>
void expectEquivalent(const M& actual, const M& expected) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_message_field_comparison(google::protobuf::util::MessageDifferencer::EQUIVALENT);
  differencer.set_field_comparator(&comparator);
  std::string diff;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(actual, expected)) << diff;
}

template <typename M>
void expectRoundTrip(const M& message) {
  M back;
  Status s = fromValue(toValue(message), &back);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expectEquivalent(back, message);
  EXPECT_TRUE(sameJson(toValue(back), toValue(message)));
  // The text form too, through serialize() and the parser.
  M fromText;
  s = fromJson(toJson(message), &fromText);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expectEquivalent(fromText, message);
  EXPECT_TRUE(sameJson(parse(toJson(fromText)), toValue(message)));
}

v1::FrameworkInfo sampleFramework() {
  v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name("marathon");
  info.mutable_id()->set_value("fw-1");
  info.set_failover_timeout(604800);
  info.set_checkpoint(true);
  info.add_roles("web");
  info.add_roles("batch");
  info.set_principal("ops");
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  auto* label = info.mutable_labels()->add_labels();
  label->set_key("team");
  label->set_value("infra");
  info.mutable_labels()->add_labels()->set_key("flag");
  return info;
}

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

constexpr std::string_view kAccept = R"({
  "framework_id": {"value": "fw-1"},
  "type": "ACCEPT",
  "accept": {
    "offer_ids": [{"value": "o-1"}, {"value": "o-2"}],
    "operations": [{
      "type": "LAUNCH",
      "launch": {"task_infos": [{
        "name": "web-0",
        "task_id": {"value": "web-0"},
        "agent_id": {"value": "a-1"},
        "resources": [
          {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
          {"name": "mem", "type": "SCALAR", "scalar": {"value": 128}, "role": "*"},
          {"name": "ports", "type": "RANGES",
           "ranges": {"range": [{"begin": 31000, "end": 31001}, {"begin": 31005, "end": 31005}]}},
          {"name": "zones", "type": "SET", "set": {"item": ["a", "b"]},
           "reservations": [{"type": "DYNAMIC", "role": "web", "principal": "ops"}]}
        ],
        "command": {
          "value": "sleep 1000",
          "environment": {"variables": [
            {"name": "PORT", "value": "31000"},
            {"name": "TOKEN", "type": "SECRET", "secret": {"type": "VALUE", "value": {"data": "c2VjcmV0"}}}
          ]},
          "uris": [{"value": "http://x/y.tgz"}]
        },
        "limits": {"cpus": {"value": 2}, "mem": {"value": "Infinity"}},
        "health_check": {"type": "TCP", "tcp": {"port": 31000}}
      }]}
    }],
    "filters": {"refuse_seconds": 1.5}
  }
})";

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

// ---------------------------------------------------------------------------
// Enums.

TEST(JsonEnums, WrittenByNameAndReadByNameOrNumber) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value("t");
  status.set_state(v1::TASK_KILLED);
  status.set_reason(v1::TaskStatus::REASON_AGENT_DRAINING);
  status.set_source(v1::TaskStatus::SOURCE_MASTER);
  const bj::value v = toValue(status);
  EXPECT_EQ(v.at("state").as_string(), "TASK_KILLED");
  EXPECT_EQ(v.at("reason").as_string(), "REASON_AGENT_DRAINING");
  EXPECT_EQ(v.at("source").as_string(), "SOURCE_MASTER");

  const auto byNumber = mustParse<v1::TaskStatus>(R"({"task_id":{"value":"t"},"state":1,"reason":34})");
  EXPECT_EQ(byNumber.state(), v1::TASK_RUNNING);
  EXPECT_EQ(byNumber.reason(), v1::TaskStatus::REASON_AGENT_DRAINING);
}

TEST(JsonEnums, UnknownOnOptionalFieldIsDropped) {
  const Call call = mustParse<Call>(R"({"type":"SOMETHING_NEW","framework_id":{"value":"f"}})");
  EXPECT_FALSE(call.has_type());
  EXPECT_EQ(call.framework_id().value(), "f");

  // Inside a repeated message: the element stays, its field is unset.
  const auto info = mustParse<v1::FrameworkInfo>(
      R"({"user":"u","name":"n","capabilities":[{"type":"MULTI_ROLE"},{"type":"TELEPATHY"}]})");
  ASSERT_EQ(info.capabilities_size(), 2);
  EXPECT_EQ(info.capabilities(0).type(), v1::FrameworkInfo::Capability::MULTI_ROLE);
  EXPECT_FALSE(info.capabilities(1).has_type());

  EXPECT_FALSE(mustParse<Call>(R"({"type":999})").has_type());
}

TEST(JsonEnums, UnknownOnRequiredFieldIsAnError) {
  EXPECT_EQ(parseError<v1::TaskStatus>(R"({"task_id":{"value":"t"},"state":"TASK_NAPPING"})"),
            "state: unknown enum value 'TASK_NAPPING'");
  EXPECT_EQ(parseError<v1::TaskStatus>(R"({"task_id":{"value":"t"},"state":99})"),
            "state: unknown enum value 99");
  EXPECT_EQ(parseError<v1::TaskStatus>(R"({"task_id":{"value":"t"},"state":")" + std::string(1000, 'X') + "\"}"),
            "state: unknown enum value '" + std::string(64, 'X') + "...'");
  EXPECT_EQ(parseError<Call>(R"({"type":"ACCEPT","accept":{"operations":[{"type":"LAUNCH","launch":
              {"task_infos":[{"name":"n","task_id":{"value":"t"},"agent_id":{"value":"a"},
              "resources":[{"name":"cpus","type":"SCALAR"},{"name":"x","type":"BLOB"}]}]}}]}})"),
            "accept.operations[0].launch.task_infos[0].resources[1].type: unknown enum value 'BLOB'");
}

TEST(JsonEnums, WrongTypeIsAnErrorEvenWhenOptional) {
  EXPECT_EQ(parseError<Call>(R"({"type":true})"), "type: expected an enum name");
  EXPECT_EQ(parseError<Call>(R"({"type":{}})"), "type: expected an enum name");
}

// ---------------------------------------------------------------------------
// Required fields, types, paths.

TEST(JsonErrors, MissingRequiredFieldNamesThePath) {
  EXPECT_EQ(parseError<Call>(R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n"}}})"),
            "missing required field 'subscribe.framework_info.user'");
  EXPECT_EQ(parseError<Call>(R"({"type":"SUBSCRIBE","subscribe":{}})"),
            "missing required field 'subscribe.framework_info'");
  EXPECT_EQ(parseError<v1::FrameworkInfo>(R"({"name":"n"})"), "missing required field 'user'");
  EXPECT_EQ(parseError<Call>(R"({"accept":{"offer_ids":[{"value":"o"},{}]}})"),
            "missing required field 'accept.offer_ids[1].value'");
  // In a map value.
  EXPECT_EQ(parseError<v1::TaskInfo>(R"({"name":"n","task_id":{"value":"t"},"agent_id":{"value":"a"},
                                         "limits":{"cpus":{}}})"),
            "missing required field 'limits.cpus.value'");
}

TEST(JsonErrors, NullMeansUnset) {
  const auto info = mustParse<v1::FrameworkInfo>(
      R"({"user":"u","name":"n","id":null,"roles":null,"hostname":null,"failover_timeout":null})");
  EXPECT_FALSE(info.has_id());
  EXPECT_EQ(info.roles_size(), 0);
  EXPECT_FALSE(info.has_hostname());
  EXPECT_FALSE(info.has_failover_timeout());
  EXPECT_EQ(parseError<v1::FrameworkInfo>(R"({"user":null,"name":"n"})"), "missing required field 'user'");
}

TEST(JsonErrors, WrongTypesNameThePath) {
  const std::string prefix = R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n",)";
  EXPECT_EQ(parseError<Call>(prefix + R"("capabilities":[{"type":"MULTI_ROLE"},{"type":7.5}]}}})"),
            "subscribe.framework_info.capabilities[1].type: expected an enum name");
  EXPECT_EQ(parseError<Call>(prefix + R"("capabilities":[{"type":"MULTI_ROLE"},{"type":[]}]}}})"),
            "subscribe.framework_info.capabilities[1].type: expected an enum name");
  EXPECT_EQ(parseError<Call>(prefix + R"("roles":"web"}}})"), "subscribe.framework_info.roles: expected an array");
  EXPECT_EQ(parseError<Call>(prefix + R"("roles":["web",3]}}})"),
            "subscribe.framework_info.roles[1]: expected a string");
  EXPECT_EQ(parseError<Call>(prefix + R"("roles":["web",null]}}})"),
            "subscribe.framework_info.roles[1]: expected a string");
  EXPECT_EQ(parseError<Call>(prefix + R"("checkpoint":"true"}}})"),
            "subscribe.framework_info.checkpoint: expected a boolean");
  EXPECT_EQ(parseError<Call>(prefix + R"("checkpoint":1}}})"),
            "subscribe.framework_info.checkpoint: expected a boolean");
  EXPECT_EQ(parseError<Call>(prefix + R"("id":"fw-1"}}})"), "subscribe.framework_info.id: expected an object");
  EXPECT_EQ(parseError<Call>(prefix + R"("labels":{"labels":{"key":"k"}}}}})"),
            "subscribe.framework_info.labels.labels: expected an array");
  EXPECT_EQ(parseError<Call>(prefix + R"("offer_filters":[]}}})"),
            "subscribe.framework_info.offer_filters: expected an object");
  EXPECT_EQ(parseError<Call>(prefix + R"("offer_filters":{"web":{"min_allocatable_resources":
                                           {"quantities":[{"quantities":{"cpus":{"value":"x"}}}]}}}}}})"),
            "subscribe.framework_info.offer_filters.web.min_allocatable_resources.quantities[0]"
            ".quantities.cpus.value: expected a number");
  EXPECT_EQ(parseError<Call>(R"({"subscribe":{"framework_info":{"user":5,"name":"n"}}})"),
            "subscribe.framework_info.user: expected a string");
}

TEST(JsonErrors, UnknownKeysIgnored) {
  const auto id = mustParse<v1::FrameworkID>(R"({"value":"x","extra":[1,{"deep":null}],"VALUE":"y"})");
  EXPECT_EQ(id.value(), "x");
}

TEST(JsonErrors, NonObjectTopLevel) {
  for (const char* text : {"[]", "1", "\"s\"", "null", "true", "[{\"value\":\"x\"}]"}) {
    EXPECT_EQ(parseError<v1::FrameworkID>(text), "expected a JSON object") << text;
  }
  v1::FrameworkID id;
  EXPECT_EQ(fromValue(bj::value(3), &id).error().message, "expected a JSON object");
}

TEST(JsonErrors, MalformedJson) {
  for (const char* text : {"", " ", "{", "}", "{\"value\":}", "{\"value\":\"x\"", "{\"value\":\"x\"}}",
                           "{\"value\":\"x\",}", "{value:\"x\"}", "{'value':'x'}", "{\"value\":\"x\"} {}",
                           "{\"value\":\"\xff\xfe\"}", "{\"value\":\"\\ud800\"}", "{\"value\":NaN}",
                           "{\"value\":Infinity}", "{\"value\":01}", "{\"value\":\"x\" /* c */}",
                           "\xef\xbb\xbf{}", "{\"a\":1e}", "{\"a\":-}"}) {
    v1::FrameworkID id;
    Status s = fromJson(text, &id);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.error().message.rfind("invalid JSON: ", 0), 0u) << s.error().message;
    EXPECT_NE(s.error().message.find(" at offset "), std::string::npos) << s.error().message;
  }
  // Embedded NUL bytes.
  v1::FrameworkID id;
  EXPECT_FALSE(fromJson(std::string_view("{\"value\":\"a\0\"}", 14), &id).ok());
  EXPECT_FALSE(fromJson(std::string_view("{\"value\":\"a\"}\0", 14), &id).ok());
}

TEST(JsonErrors, DeepNestingRejected) {
  for (const int depth : {101, 1000, 100000}) {
    const std::string arrays = "{\"value\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
    EXPECT_EQ(parseError<v1::FrameworkID>(arrays), "JSON nested too deeply") << depth;
    std::string objects;
    for (int i = 0; i < depth; ++i) objects += "{\"parent\":";
    objects += "{\"value\":\"x\"}";
    objects += std::string(depth, '}');
    EXPECT_EQ(parseError<v1::ContainerID>(objects), "JSON nested too deeply") << depth;
  }
  // Within the limit it works.
  std::string ok;
  for (int i = 0; i < 90; ++i) ok += "{\"value\":\"c\",\"parent\":";
  ok += "{\"value\":\"root\"}";
  ok += std::string(90, '}');
  const auto id = mustParse<v1::ContainerID>(ok);
  EXPECT_TRUE(id.parent().parent().has_parent());
  expectRoundTrip(id);
}

TEST(JsonErrors, DeepValueRejectedByFromValue) {
  // A caller-built tree, not limited by the text parser.
  bj::value v = bj::object{{"value", "leaf"}};
  for (int i = 0; i < 150; ++i) v = bj::object{{"value", "c"}, {"parent", std::move(v)}};
  v1::ContainerID id;
  Status s = fromValue(v, &id);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "JSON nested too deeply");
  EXPECT_FALSE(id.has_value());  // cleared on error
}

TEST(JsonErrors, MessageClearedBeforeAndAfterParsing) {
  v1::FrameworkInfo info = sampleFramework();
  ASSERT_TRUE(fromJson(R"({"user":"a","name":"b"})", &info).ok());
  EXPECT_EQ(info.roles_size(), 0);
  EXPECT_FALSE(info.has_id());

  info = sampleFramework();
  ASSERT_FALSE(fromJson(R"({"user":"a","name":7})", &info).ok());
  EXPECT_FALSE(info.has_user());
}

TEST(JsonErrors, DuplicateKeysKeepTheLast) {
  const auto info = mustParse<v1::FrameworkInfo>(R"({"user":"a","name":"b","roles":["x"],"roles":["y","z"]})");
  ASSERT_EQ(info.roles_size(), 2);
  EXPECT_EQ(info.roles(0), "y");
}

// Mutations of a valid document must give a status, never an exception or
// a crash (run under sanitizers this also checks memory safety).
TEST(JsonErrors, MutatedInputNeverCrashes) {
  const std::string seed(kAccept);
  const char alphabet[] = "{}[]\":,0123456789.-+eE\\ntrufalsIiNy \x01\xff";
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[pos] = alphabet[rng() % (sizeof alphabet - 1)]; break;
        case 1: text.erase(pos, 1 + rng() % 8); break;
        default: text.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
      }
      if (text.empty()) text = "{";
    }
    Call call;
    Status s = fromJson(text, &call);
    if (s.ok()) {
      ++accepted;
      Call back;  // whatever was accepted must print and parse back
      ASSERT_TRUE(fromJson(toJson(call), &back).ok()) << text;
    } else {
      EXPECT_FALSE(s.error().message.empty());
    }
  }
  EXPECT_GT(accepted, 0);
}

// ---------------------------------------------------------------------------
// Maps.

TEST(JsonMaps, TaskLimitsAsObject) {
  v1::TaskInfo task;
  task.set_name("t");
  task.mutable_task_id()->set_value("t");
  task.mutable_agent_id()->set_value("a");
  (*task.mutable_limits())["cpus"].set_value(1.5);
  (*task.mutable_limits())["mem"].set_value(256);
  expectJsonEq(toValue(task), R"({"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},
                                  "limits":{"cpus":{"value":1.5},"mem":{"value":256}}})");
  expectRoundTrip(task);

  const auto parsed = mustParse<v1::TaskInfo>(
      R"({"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},"limits":{"cpus":{"value":2},"gpus":null}})");
  ASSERT_EQ(parsed.limits().size(), 1u);
  EXPECT_DOUBLE_EQ(parsed.limits().at("cpus").value(), 2);
}

TEST(JsonMaps, NestedMapsRoundTrip) {
  const auto info = mustParse<v1::FrameworkInfo>(R"({"user":"u","name":"n","offer_filters":{
      "web":{"min_allocatable_resources":{"quantities":[{"quantities":{"cpus":{"value":0.5},"mem":{"value":64}}}]}},
      "":{}}})");
  ASSERT_EQ(info.offer_filters().size(), 2u);
  EXPECT_DOUBLE_EQ(info.offer_filters()
                       .at("web")
                       .min_allocatable_resources()
                       .quantities(0)
                       .quantities()
                       .at("mem")
                       .value(),
                   64);
  expectJsonEq(toValue(info).at("offer_filters"), R"({
      "web":{"min_allocatable_resources":{"quantities":[{"quantities":{"cpus":{"value":0.5},"mem":{"value":64}}}]}},
      "":{}})");
  expectRoundTrip(info);
}

// ---------------------------------------------------------------------------
// Field kinds our API protos lack (repeated enums, non-string map keys, enum
// map values, floats), through a dynamic message type.

class JsonDynamic : public ::testing::Test {
 protected:
  void SetUp() override {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
      name: "json_test_dynamic.proto"
      package: "jsontest"
      syntax: "proto2"
      enum_type { name: "Color" value { name: "NONE" number: 0 } value { name: "RED" number: 1 } value { name: "BLUE" number: 2 } }
      message_type {
        name: "Kinds"
        field { name: "colors" number: 1 label: LABEL_REPEATED type: TYPE_ENUM type_name: ".jsontest.Color" }
        field { name: "by_id" number: 2 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".jsontest.Kinds.ByIdEntry" }
        field { name: "flags" number: 3 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".jsontest.Kinds.FlagsEntry" }
        field { name: "ratio" number: 4 label: LABEL_OPTIONAL type: TYPE_FLOAT }
        field { name: "blobs" number: 5 label: LABEL_REPEATED type: TYPE_BYTES }
        field { name: "sint" number: 6 label: LABEL_OPTIONAL type: TYPE_SINT64 }
        field { name: "fixed" number: 7 label: LABEL_OPTIONAL type: TYPE_FIXED32 }
        field { name: "old" number: 8 label: LABEL_OPTIONAL type: TYPE_INT32 default_value: "7"
                options { deprecated: true } }
        field { name: "color" number: 9 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".jsontest.Color"
                default_value: "BLUE" }
        nested_type {
          name: "ByIdEntry"
          options { map_entry: true }
          field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_INT64 }
          field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".jsontest.Color" }
        }
        nested_type {
          name: "FlagsEntry"
          options { map_entry: true }
          field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_BOOL }
          field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
        }
      }
    )pb", &file));
    const google::protobuf::FileDescriptor* fd = pool_.BuildFile(file);
    ASSERT_NE(fd, nullptr);
    prototype_ = factory_.GetPrototype(fd->FindMessageTypeByName("Kinds"));
  }

  std::unique_ptr<google::protobuf::Message> make() const {
    return std::unique_ptr<google::protobuf::Message>(prototype_->New());
  }

  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  const google::protobuf::Message* prototype_ = nullptr;
};

TEST_F(JsonDynamic, OtherFieldKinds) {
  auto m = make();
  Status s = fromJson(R"({"colors":["RED","GREEN","BLUE",2],"by_id":{"-5":"RED","7":"PURPLE","8":"BLUE"},
                          "flags":{"true":"yes","false":"no"},"ratio":0.5,"blobs":["AA==","/w=="],
                          "sint":"-3","fixed":4000000000})",
                      m.get());
  ASSERT_TRUE(s.ok()) << s.error().message;
  // Unknown enum elements and map entries are dropped; the default-valued
  // enum is written, the deprecated default is not.
  expectJsonEq(toValue(*m), R"({"colors":["RED","BLUE","BLUE"],"by_id":{"-5":"RED","8":"BLUE"},
                                "flags":{"true":"yes","false":"no"},"ratio":0.5,"blobs":["AA==","/w=="],
                                "sint":-3,"fixed":4000000000,"color":"BLUE"})");
  auto back = make();
  ASSERT_TRUE(fromJson(toJson(*m), back.get()).ok());
  expectEquivalent<google::protobuf::Message>(*back, *m);
}

TEST_F(JsonDynamic, BadMapKeysAndFloats) {
  auto m = make();
  EXPECT_EQ(fromJson(R"({"by_id":{"x":"RED"}})", m.get()).error().message,
            "by_id.x: invalid map key: expected an integer");
  EXPECT_EQ(fromJson(R"({"flags":{"yes":"y"}})", m.get()).error().message, "flags.yes: invalid map key");
  EXPECT_EQ(fromJson(R"({"ratio":1e300})", m.get()).error().message, "ratio: number out of range");
  EXPECT_EQ(fromJson(R"({"blobs":["AA==","*"]})", m.get()).error().message, "blobs[1]: invalid base64");
  EXPECT_EQ(fromJson(R"({"fixed":-1})", m.get()).error().message, "fixed: expected a non-negative integer");
}

// ---------------------------------------------------------------------------
// Concurrency: no shared mutable state between calls.

TEST(JsonConcurrency, ParallelConversions) {
  const Call call = mustParse<Call>(kAccept);
  const std::string expected = toJson(call);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        Call parsed;
        if (!fromJson(kAccept, &parsed).ok() || toJson(parsed) != expected) ++failures[t];
        if (fromJson(R"({"type":"ACCEPT","accept":{"offer_ids":[{}]}})", &parsed).ok()) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace tepui::json
