// Unit tests for common/json, input side: enums, errors that name the
// field path, maps, field kinds our protos lack (a dynamic message),
// hostile input, and concurrent use. Output shape: json_test.cpp.
#include "json_test_util.hpp"

namespace tepui::json {
namespace {

using namespace jsontest;

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
