// Unit tests of media-type negotiation (common/codec.hpp), flags and
// durations (common/flags.hpp, common/duration.hpp).
#include <gtest/gtest.h>

#include "common/codec.hpp"
#include "common/flags.hpp"
#include "tepui/v1/scheduler.pb.h"

namespace tepui {
namespace {

using codec::ContentType;

TEST(Codec, ContentTypeToleratesParametersAndCase) {
  EXPECT_EQ(codec::fromContentType("application/json"), ContentType::JSON);
  EXPECT_EQ(codec::fromContentType("Application/JSON; charset=utf-8"), ContentType::JSON);
  EXPECT_EQ(codec::fromContentType("application/x-protobuf"), ContentType::PROTOBUF);
  EXPECT_FALSE(codec::fromContentType("text/plain").has_value());
  EXPECT_FALSE(codec::fromContentType("").has_value());
}

TEST(Codec, AcceptPrefersJsonAndHonoursQZero) {
  EXPECT_EQ(codec::fromAccept(std::nullopt), ContentType::JSON);
  EXPECT_EQ(codec::fromAccept("*/*"), ContentType::JSON);
  EXPECT_EQ(codec::fromAccept("application/x-protobuf"), ContentType::PROTOBUF);
  EXPECT_EQ(codec::fromAccept("application/json;q=0, */*"), ContentType::PROTOBUF);
  EXPECT_EQ(codec::fromAccept("application/*"), ContentType::JSON);
  EXPECT_FALSE(codec::fromAccept("text/html").has_value());
  EXPECT_FALSE(codec::fromAccept("application/json;q=0,application/x-protobuf;q=0").has_value());
}

TEST(Codec, DecodeReportsMissingRequiredFieldsAndTruncation) {
  v1::scheduler::Call call;
  call.set_type(v1::scheduler::Call::SUBSCRIBE);
  call.mutable_subscribe()->mutable_framework_info()->set_name("n");  // no user
  std::string bytes = call.SerializePartialAsString();
  v1::scheduler::Call out;
  auto s = codec::decode(bytes, ContentType::PROTOBUF, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("user"), std::string::npos);
  EXPECT_FALSE(codec::decode(std::string("\x0a\x05" "ab", 4), ContentType::PROTOBUF, &out).ok());
  EXPECT_FALSE(codec::decode("{", ContentType::JSON, &out).ok());
}

TEST(Codec, RoundTripsBothEncodings) {
  v1::scheduler::Call call;
  call.set_type(v1::scheduler::Call::REVIVE);
  call.mutable_framework_id()->set_value("F");
  for (auto type : {ContentType::JSON, ContentType::PROTOBUF}) {
    v1::scheduler::Call out;
    ASSERT_TRUE(codec::decode(codec::encode(call, type), type, &out).ok());
    EXPECT_EQ(out.framework_id().value(), "F");
  }
}

TEST(Flags, ParsesEveryKindAndPositionals) {
  std::string s = "x";
  bool b = false;
  int i = 0;
  uint16_t port = 1;
  Seconds d{1};
  std::optional<Seconds> od;
  FlagSet flags("usage");
  flags.add("name", &s, "");
  flags.add("flag", &b, "");
  flags.add("count", &i, "");
  flags.add("port", &port, "");
  flags.add("wait", &d, "");
  flags.add("timeout", &od, "");
  const char* argv[] = {"cmd", "--name=y", "--flag", "--count", "3", "--port=5050", "--wait=2mins",
                        "--timeout=100ms", "pos", "--", "--not-a-flag"};
  auto parsed = flags.parse(11, argv);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(s, "y");
  EXPECT_TRUE(b);
  EXPECT_EQ(i, 3);
  EXPECT_EQ(port, 5050);
  EXPECT_DOUBLE_EQ(d.count(), 120);
  EXPECT_DOUBLE_EQ(od->count(), 0.1);
  EXPECT_EQ(*parsed, (std::vector<std::string>{"pos", "--not-a-flag"}));
}

TEST(Flags, ErrorsNameTheFlag) {
  bool b = true;
  uint16_t port = 0;
  FlagSet flags("usage");
  flags.add("flag", &b, "");
  flags.add("port", &port, "");
  const char* unknown[] = {"cmd", "--nope"};
  EXPECT_NE(flags.parse(2, unknown).error().message.find("--nope"), std::string::npos);
  const char* badPort[] = {"cmd", "--port=70000"};
  EXPECT_NE(flags.parse(2, badPort).error().message.find("--port"), std::string::npos);
  const char* negated[] = {"cmd", "--no-flag"};
  ASSERT_TRUE(flags.parse(2, negated).ok());
  EXPECT_FALSE(b);
  const char* negatedValue[] = {"cmd", "--no-flag=true"};
  EXPECT_FALSE(flags.parse(2, negatedValue).ok());
  const char* missing[] = {"cmd", "--port"};
  EXPECT_FALSE(flags.parse(2, missing).ok());
}

TEST(Duration, ParsesMesosUnitsAndFormatsShortest) {
  EXPECT_DOUBLE_EQ(parseDuration("5secs")->count(), 5);
  EXPECT_DOUBLE_EQ(parseDuration("100ms")->count(), 0.1);
  EXPECT_DOUBLE_EQ(parseDuration("2weeks")->count(), 1209600);
  EXPECT_DOUBLE_EQ(parseDuration("3")->count(), 3);
  EXPECT_FALSE(parseDuration("5 secs").ok());
  EXPECT_FALSE(parseDuration("secs").ok());
  EXPECT_FALSE(parseDuration("5parsecs").ok());
  EXPECT_EQ(formatDuration(Seconds(5)), "5secs");
  EXPECT_EQ(formatDuration(Seconds(0.1)), "100ms");
  EXPECT_EQ(formatDuration(Seconds(600)), "10mins");
}

}  // namespace
}  // namespace tepui
