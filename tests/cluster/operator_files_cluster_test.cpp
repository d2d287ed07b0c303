// In-process cluster tests of the operator API's LIST_FILES and READ_FILE
// over real HTTP: a task's sandbox listed and its stdout read through the
// agent and through the master (which forwards to the agent), in JSON as a
// Mesos client reads it (data in base64) and in protobuf; missing paths are
// 404, missing sub-messages or offsets and directories to read are 400, and
// paths out of every sandbox are refused.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <thread>

#include "operator_calls.hpp"

namespace tepui::testing {
namespace {

namespace bj = boost::json;

using AgentCall = v1::agent::Call;
using AgentResponse = v1::agent::Response;

class OperatorFilesClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_ = agentEndpoint(cluster_, cluster_.addAgent());
    scheduler_.subscribe();
    auto offer = scheduler_.launch({commandTask("writer", "mkdir sub; printf 'hello from the task\\n'; sleep 1000")});
    agentId_ = offer.agent_id().value();
    scheduler_.waitFor("writer", v1::TASK_RUNNING);
    sandbox_ = "/frameworks/" + scheduler_.frameworkId() + "/executors/writer/runs/latest";
    // Wait for the task to have written its line.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (read(agent_, sandbox_ + "/stdout", 0).read_file().data().empty()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the task never wrote its stdout";
      std::this_thread::sleep_for(50ms);
    }
  }

  // The call in JSON, to the agent (as an agent::Call) or the master.
  http::Response send(const http::Endpoint& to, const OperatorCall& c,
                      codec::ContentType type = codec::ContentType::JSON, const std::string& accept = "") {
    if (to.port == cluster_.masterEndpoint().port) return postTo(to, c, type, accept);
    AgentCall a;
    EXPECT_TRUE(a.ParseFromString(c.SerializeAsString()));  // the same numbers and shapes
    return postTo(to, a, type, accept);
  }

  OperatorResponse read(const http::Endpoint& to, const std::string& path, uint64_t offset,
                        std::optional<uint64_t> length = std::nullopt) {
    auto r = send(to, readFile(path, offset, length));
    EXPECT_EQ(r.status, 200) << r.body;
    return decoded(r);
  }

  static OperatorCall listFiles(const std::string& path) {
    OperatorCall c = call(OperatorCall::LIST_FILES);
    c.mutable_list_files()->set_path(path);
    return c;
  }

  static OperatorCall readFile(const std::string& path, uint64_t offset, std::optional<uint64_t> length) {
    OperatorCall c = call(OperatorCall::READ_FILE);
    c.mutable_read_file()->set_path(path);
    c.mutable_read_file()->set_offset(offset);
    if (length) c.mutable_read_file()->set_length(*length);
    return c;
  }

  Cluster cluster_;
  TestScheduler scheduler_{cluster_.masterEndpoint(), frameworkInfo("operated-files")};
  http::Endpoint agent_;
  std::string agentId_, sandbox_;
};

TEST_F(OperatorFilesClusterTest, ListAndReadTheTasksStdoutThroughTheAgentAndTheMaster) {
  const std::string line = "hello from the task\n";
  for (auto& to : {agent_, cluster_.masterEndpoint()}) {
    for (auto& base : {sandbox_, "/slaves/" + agentId_ + sandbox_}) {
      SCOPED_TRACE(to.str() + " " + base);
      // LIST_FILES, in JSON as a Mesos client reads it.
      auto listed = send(to, listFiles(base));
      ASSERT_EQ(listed.status, 200) << listed.body;
      auto json = bj::parse(listed.body).as_object();
      EXPECT_EQ(json.at("type").as_string(), "LIST_FILES");
      std::map<std::string, bj::object> infos;
      for (auto& info : json.at("list_files").at("file_infos").as_array()) {
        auto& o = info.as_object();
        for (const char* key : {"path", "nlink", "size", "mtime", "mode", "uid", "gid"}) {
          EXPECT_TRUE(o.contains(key)) << key << " in " << bj::serialize(o);
        }
        infos[std::string(o.at("path").as_string())] = o;
      }
      ASSERT_TRUE(infos.count(base + "/stdout")) << listed.body;
      auto& stdoutInfo = infos[base + "/stdout"];
      EXPECT_EQ(stdoutInfo.at("size").to_number<uint64_t>(), line.size());
      EXPECT_TRUE(S_ISREG(stdoutInfo.at("mode").to_number<uint32_t>()));
      EXPECT_GT(stdoutInfo.at("mtime").at("nanoseconds").to_number<int64_t>(), 0);
      ASSERT_TRUE(infos.count(base + "/sub"));
      EXPECT_TRUE(S_ISDIR(infos[base + "/sub"].at("mode").to_number<uint32_t>()));

      // READ_FILE: base64 data in JSON, the whole file's size.
      auto whole = send(to, readFile(base + "/stdout", 0, std::nullopt));
      ASSERT_EQ(whole.status, 200) << whole.body;
      auto wholeJson = bj::parse(whole.body).as_object();
      EXPECT_EQ(wholeJson.at("type").as_string(), "READ_FILE");
      EXPECT_EQ(wholeJson.at("read_file").at("size").to_number<uint64_t>(), line.size());
      EXPECT_EQ(wholeJson.at("read_file").at("data").as_string(), "aGVsbG8gZnJvbSB0aGUgdGFzawo=");  // the line
      EXPECT_EQ(decoded(whole).read_file().data(), line);
      auto part = read(to, base + "/stdout", 6, 4).read_file();
      EXPECT_EQ(part.data(), "from");
      EXPECT_EQ(part.size(), line.size());
      EXPECT_EQ(read(to, base + "/stdout", 100).read_file().data(), "");  // past the end

      // In protobuf.
      auto proto = send(to, readFile(base + "/stdout", 0, 5), codec::ContentType::PROTOBUF, "application/x-protobuf");
      ASSERT_EQ(proto.status, 200);
      EXPECT_EQ(proto.headers["Content-Type"], "application/x-protobuf");
      auto answer = decoded(proto, codec::ContentType::PROTOBUF);
      EXPECT_EQ(answer.type(), OperatorResponse::READ_FILE);
      EXPECT_EQ(answer.read_file().data(), "hello");
    }
  }
}

TEST_F(OperatorFilesClusterTest, BadFileCallsGetMesossStatusesWithAReason) {
  for (auto& to : {agent_, cluster_.masterEndpoint()}) {
    SCOPED_TRACE(to.str());
    auto expect = [&](const http::Response& r, int status, const std::string& why) {
      EXPECT_EQ(r.status, status) << r.body;
      EXPECT_NE(r.body.find(why), std::string::npos) << r.body;
    };
    expect(send(to, listFiles(sandbox_ + "/no-such-dir")), 404, "");
    expect(send(to, readFile(sandbox_ + "/no-such-file", 0, std::nullopt)), 404, "");
    expect(send(to, readFile(sandbox_, 0, std::nullopt)), 400, "directory");
    expect(send(to, readFile(sandbox_ + "/sub", 0, std::nullopt)), 400, "directory");
    expect(send(to, listFiles(sandbox_ + "/stdout")), 400, "");
    expect(send(to, listFiles(sandbox_ + "/../../..")), 403, "..");
    expect(send(to, call(OperatorCall::LIST_FILES)), 400, "list_files");
    expect(send(to, call(OperatorCall::READ_FILE)), 400, "read_file");
    expect(postJson(to, R"({"type":"READ_FILE","read_file":{"path":")" + sandbox_ + R"(/stdout"}})"), 400, "offset");
    expect(postJson(to, R"({"type":"LIST_FILES","list_files":{}})"), 400, "path");
  }
  // Outside every sandbox: the agent refuses; the master finds no agent
  // to ask.
  EXPECT_EQ(send(agent_, listFiles("/etc")).status, 403);
  EXPECT_EQ(send(cluster_.masterEndpoint(), listFiles("/etc")).status, 404);
  EXPECT_EQ(send(cluster_.masterEndpoint(), listFiles("/slaves/no-such-agent" + sandbox_)).status, 404);
  EXPECT_EQ(post(cluster_, call(OperatorCall::GET_HEALTH)).status, 200);
}

}  // namespace
}  // namespace tepui::testing
