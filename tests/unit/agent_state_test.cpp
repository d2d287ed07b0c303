// Unit tests of the agent's checkpoint on disk (src/agent/agent_state.hpp):
// the tree written record by record reads back whole, `latest` decides
// whether there is anything to recover, removals stick, a missing record is
// an error naming the file, and a process is told from a later one with the
// same pid by its start time.
#include "agent/agent_state.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "common/checkpoint.hpp"
#include "containerizer/process_start_time.hpp"

namespace tepui::agent::state {
namespace {

namespace fs = std::filesystem;

class AgentStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tepui-agent-state-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // An agent S1 with framework F, executor E in container C, task T.
  void writeTree(const Checkpoint& c) {
    v1::AgentInfo agent;
    agent.mutable_id()->set_value("S1");
    agent.set_hostname("h");
    agent.set_port(5051);
    ASSERT_TRUE(c.writeAgent(agent));
    v1::FrameworkInfo framework;
    framework.mutable_id()->set_value("F");
    framework.set_user("u");
    framework.set_name("f");
    framework.set_checkpoint(true);
    ASSERT_TRUE(c.writeFramework("S1", framework));
    internal::CheckpointedExecutor executor;
    executor.mutable_info()->mutable_executor_id()->set_value("E");
    executor.set_kind(internal::CheckpointedExecutor::COMMAND);
    ASSERT_TRUE(c.writeExecutor("S1", "F", executor));
    internal::ExecutorRun run;
    run.set_pid(42);
    run.set_start_time(7);
    ASSERT_TRUE(c.writeRun("S1", "F", "E", "C", run));
    v1::TaskInfo task;
    task.set_name("t");
    task.mutable_task_id()->set_value("T");
    task.mutable_agent_id()->set_value("S1");
    ASSERT_TRUE(c.writeTask("S1", "F", "E", "C", task));
    internal::TaskUpdates updates;
    v1::TaskStatus* running = updates.add_queued();
    running->mutable_task_id()->set_value("T");
    running->set_state(v1::TASK_RUNNING);
    updates.add_acknowledged("uuid-1");
    updates.set_acknowledged_state(v1::TASK_STARTING);
    ASSERT_TRUE(c.writeUpdates("S1", "F", "E", "C", "T", updates));
  }

  void expectTheTree(const Checkpoint& c);

  fs::path dir_;
};

TEST_F(AgentStateTest, NothingToRecoverWithoutLatest) {
  Checkpoint c(dir_.string());
  auto recovered = c.recover();
  ASSERT_TRUE(recovered) << recovered.error().message;
  EXPECT_FALSE(recovered->has_value());
}

TEST_F(AgentStateTest, TheTreeReadsBackWhole) {
  Checkpoint c(dir_.string());
  writeTree(c);
  expectTheTree(c);
}

TEST_F(AgentStateTest, TheTreeWrittenThroughAWriterReadsBackWholeOnceDrained) {
  boost::asio::io_context io;
  checkpoint::Writer writer(io);
  Checkpoint c(dir_.string());
  c.useWriter(&writer);
  writeTree(c);
  writer.drain();
  expectTheTree(c);
  // A removal goes through the writer too, after the writes.
  ASSERT_TRUE(c.removeTask("S1", "F", "E", "C", "T"));
  writer.drain();
  auto recovered = c.recover();
  ASSERT_TRUE(recovered && recovered->has_value());
  EXPECT_TRUE((**recovered).frameworks.at("F").executors.at("E").runs[0].tasks.empty());
}

void AgentStateTest::expectTheTree(const Checkpoint& c) {
  EXPECT_EQ(fs::read_symlink(dir_ / "meta" / "agents" / "latest"), "S1");
  auto recovered = c.recover();
  ASSERT_TRUE(recovered) << recovered.error().message;
  ASSERT_TRUE(recovered->has_value());
  const RecoveredAgent& agent = **recovered;
  EXPECT_EQ(agent.info.id().value(), "S1");
  EXPECT_EQ(agent.info.port(), 5051);
  ASSERT_EQ(agent.frameworks.count("F"), 1u);
  const RecoveredFramework& framework = agent.frameworks.at("F");
  EXPECT_TRUE(framework.info.checkpoint());
  ASSERT_EQ(framework.executors.count("E"), 1u);
  const RecoveredExecutor& executor = framework.executors.at("E");
  EXPECT_EQ(executor.info.kind(), internal::CheckpointedExecutor::COMMAND);
  ASSERT_EQ(executor.runs.size(), 1u);
  const RecoveredRun& run = executor.runs[0];
  EXPECT_EQ(run.containerId, "C");
  ASSERT_TRUE(run.process.has_value());
  EXPECT_EQ(run.process->pid(), 42);
  EXPECT_EQ(run.process->start_time(), 7u);
  ASSERT_EQ(run.tasks.count("T"), 1u);
  const RecoveredTask& task = run.tasks.at("T");
  EXPECT_EQ(task.info.name(), "t");
  ASSERT_EQ(task.updates.queued_size(), 1);
  EXPECT_EQ(task.updates.queued(0).state(), v1::TASK_RUNNING);
  EXPECT_EQ(task.updates.acknowledged(0), "uuid-1");
  EXPECT_EQ(task.updates.acknowledged_state(), v1::TASK_STARTING);
}

TEST_F(AgentStateTest, RemovalsStick) {
  Checkpoint c(dir_.string());
  writeTree(c);
  ASSERT_TRUE(c.removeTask("S1", "F", "E", "C", "T"));
  auto recovered = c.recover();
  ASSERT_TRUE(recovered && recovered->has_value());
  EXPECT_TRUE((*recovered)->frameworks.at("F").executors.at("E").runs[0].tasks.empty());
  ASSERT_TRUE(c.removeExecutor("S1", "F", "E"));
  recovered = c.recover();
  ASSERT_TRUE(recovered && recovered->has_value());
  EXPECT_TRUE((*recovered)->frameworks.at("F").executors.empty());
  ASSERT_TRUE(c.removeFramework("S1", "F"));
  recovered = c.recover();
  ASSERT_TRUE(recovered && recovered->has_value());
  EXPECT_TRUE((*recovered)->frameworks.empty());

  // Without `latest` the agent starts as a new one; its old tree stays.
  ASSERT_TRUE(c.removeLatest());
  recovered = c.recover();
  ASSERT_TRUE(recovered);
  EXPECT_FALSE(recovered->has_value());
  EXPECT_TRUE(fs::exists(dir_ / "meta" / "agents" / "S1" / "agent.info"));
  ASSERT_TRUE(c.removeAll());
  EXPECT_FALSE(fs::exists(dir_ / "meta" / "agents"));
}

TEST_F(AgentStateTest, AMissingRecordIsAnErrorNamingTheFile) {
  Checkpoint c(dir_.string());
  writeTree(c);
  fs::remove(dir_ / "meta" / "agents" / "S1" / "frameworks" / "F" / "framework.info");
  auto recovered = c.recover();
  ASSERT_FALSE(recovered);
  EXPECT_NE(recovered.error().message.find("framework.info' is missing"), std::string::npos)
      << recovered.error().message;
}

TEST_F(AgentStateTest, ACorruptRecordIsAnError) {
  Checkpoint c(dir_.string());
  writeTree(c);
  std::ofstream(dir_ / "meta" / "agents" / "S1" / "agent.info", std::ios::trunc) << "\xff\xff\xff";
  auto recovered = c.recover();
  ASSERT_FALSE(recovered);
  EXPECT_NE(recovered.error().message.find("agent.info' is corrupt"), std::string::npos) << recovered.error().message;
}

TEST_F(AgentStateTest, ARecordMissingRequiredFieldsIsNotWritten) {
  Checkpoint c(dir_.string());
  v1::FrameworkInfo framework;  // no user, no name
  framework.mutable_id()->set_value("F");
  auto written = c.writeFramework("S1", framework);
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("missing"), std::string::npos) << written.error().message;
  EXPECT_FALSE(fs::exists(c.frameworkDir("S1", "F") + "/framework.info"));
}

TEST_F(AgentStateTest, ATaskWithoutItsInfoIsSkipped) {
  // What a crash between creating the task's directory and renaming its
  // task.info into place leaves.
  Checkpoint c(dir_.string());
  writeTree(c);
  fs::create_directories(c.taskDir("S1", "F", "E", "C", "half"));
  auto recovered = c.recover();
  ASSERT_TRUE(recovered && recovered->has_value());
  auto& tasks = (*recovered)->frameworks.at("F").executors.at("E").runs[0].tasks;
  EXPECT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks.count("T"), 1u);
}

TEST_F(AgentStateTest, LatestIsReplacedAtomically) {
  Checkpoint c(dir_.string());
  v1::AgentInfo agent;
  agent.mutable_id()->set_value("S1");
  agent.set_hostname("h");
  ASSERT_TRUE(c.writeAgent(agent));
  agent.mutable_id()->set_value("S2");
  ASSERT_TRUE(c.writeAgent(agent));
  EXPECT_EQ(fs::read_symlink(dir_ / "meta" / "agents" / "latest"), "S2");
  EXPECT_FALSE(fs::exists(dir_ / "meta" / "agents" / "latest.new"));
  auto recovered = c.recover();
  ASSERT_TRUE(recovered && recovered->has_value());
  EXPECT_EQ((*recovered)->info.id().value(), "S2");
}

TEST(ProcessStartTimeTest, NamesOneProcessForGood) {
  auto mine = containerizer::processStartTime(::getpid());
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(containerizer::processStartTime(::getpid()), mine);
  EXPECT_TRUE(containerizer::sameProcess(::getpid(), *mine));
  // The same pid with another start time is another process.
  EXPECT_FALSE(containerizer::sameProcess(::getpid(), *mine + 1));
  EXPECT_FALSE(containerizer::processStartTime(0).has_value());
  EXPECT_FALSE(containerizer::processStartTime(-1).has_value());
  // pid_max is at most 2^22: no process has this pid.
  EXPECT_FALSE(containerizer::processStartTime(1 << 23).has_value());
  // A child started later started no earlier than this process.
  auto parent = containerizer::processStartTime(::getppid());
  ASSERT_TRUE(parent.has_value());
  EXPECT_LE(*parent, *mine);
}

}  // namespace
}  // namespace tepui::agent::state
