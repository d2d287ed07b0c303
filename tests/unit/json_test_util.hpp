// Helpers shared by the JSON mapping tests (json_test.cpp for output shape
// and numbers, json_input_test.cpp for input, errors and robustness): parse
// and compare JSON structurally, round-trip messages, a sample FrameworkInfo.
#pragma once

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

namespace tepui::json::jsontest {

namespace bj = boost::json;
using v1::scheduler::Call;

inline bj::value parse(std::string_view text) {
  bj::parse_options options;
  options.max_depth = 1000;  // Boost's default of 32 is below what the tests build
  return bj::parse(text, {}, options);
}

// Structural equality in which numbers compare by value: the expected
// literal `5` (an int64 to the parser) equals a written double 5.0.
inline bool sameJson(const bj::value& a, const bj::value& b) {
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

inline void expectJsonEq(const bj::value& actual, std::string_view expected) {
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
inline std::string parseError(std::string_view text) {
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

inline v1::FrameworkInfo sampleFramework() {
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

inline constexpr std::string_view kAccept = R"({
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

}  // namespace tepui::json::jsontest
