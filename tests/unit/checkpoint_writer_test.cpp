// Unit tests of grouped checkpoint changes (common/checkpoint.hpp apply())
// and the checkpoint writer's thread (common/checkpoint_writer.hpp): a group
// leaves the files as the same changes one by one would, a removal in the
// middle of a group orders what comes after it, a failing change fails alone,
// and the writer runs afterDurable callbacks in order, only once the changes
// before them are on disk, and applies what is queued before it goes.
#include "common/checkpoint_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/checkpoint.hpp"

namespace tepui::checkpoint {
namespace {

namespace fs = std::filesystem;

class CheckpointGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tepui-checkpoint-group-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& relative) const { return (dir_ / relative).string(); }
  static std::string contentOf(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  }
  static Change write(const std::string& file, const std::string& content) {
    return Change{Change::Kind::WRITE, file, content};
  }
  static Change remove(const std::string& file) { return Change{Change::Kind::REMOVE, file, ""}; }

  fs::path dir_;
};

TEST_F(CheckpointGroupTest, AGroupLeavesWhatTheChangesOneByOneWould) {
  auto outcomes = apply({write(path("a/one"), "1"), write(path("a/b/two"), "2"),
                         Change{Change::Kind::LINK, path("latest"), "a"}, write(path("a/one"), "1 again")});
  ASSERT_EQ(outcomes.size(), 4u);
  for (auto& s : outcomes) EXPECT_TRUE(s) << s.error().message;
  EXPECT_EQ(contentOf(path("a/one")), "1 again");  // the last write of a path wins
  EXPECT_EQ(contentOf(path("a/b/two")), "2");
  EXPECT_EQ(fs::read_symlink(path("latest")).string(), "a");
  EXPECT_FALSE(fs::exists(path("a/one.new")));  // no temporary is left behind
  EXPECT_FALSE(fs::exists(path("a/b/two.new")));
}

TEST_F(CheckpointGroupTest, ARemovalOrdersTheChangesAroundIt) {
  auto outcomes = apply({write(path("e/task.info"), "old"), write(path("e/pid"), "1"), remove(path("e")),
                         write(path("e/task.info"), "new")});
  for (auto& s : outcomes) EXPECT_TRUE(s) << s.error().message;
  EXPECT_EQ(contentOf(path("e/task.info")), "new");
  EXPECT_FALSE(fs::exists(path("e/pid")));  // removed with its directory, not written after it
}

TEST_F(CheckpointGroupTest, AFailingChangeFailsAloneAndNamesItsFile) {
  ASSERT_TRUE(apply({write(path("file"), "x")}).front());
  // A directory cannot be made where a file is.
  auto outcomes = apply({write(path("good"), "g"), write(path("file/below"), "b")});
  EXPECT_TRUE(outcomes[0]);
  ASSERT_FALSE(outcomes[1]);
  EXPECT_NE(outcomes[1].error().message.find(path("file")), std::string::npos) << outcomes[1].error().message;
  EXPECT_EQ(contentOf(path("good")), "g");
}

TEST_F(CheckpointGroupTest, RemovingWhatIsNotThereIsNoError) { EXPECT_TRUE(apply({remove(path("nothing"))}).front()); }

class CheckpointWriterTest : public CheckpointGroupTest {
 protected:
  // Runs the loop until `done` or a few seconds have passed.
  void runUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(5));
      io_.restart();
    }
  }

  boost::asio::io_context io_;
};

TEST_F(CheckpointWriterTest, WithNothingQueuedACallbackRunsAtOnce) {
  Writer writer(io_);
  bool ran = false;
  writer.afterDurable([&] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_TRUE(writer.idle());
}

TEST_F(CheckpointWriterTest, CallbacksRunInOrderOnceTheirChangesAreOnDisk) {
  Writer writer(io_);
  std::vector<std::string> seen;
  writer.submit(write(path("one"), "1"));
  writer.afterDurable([&] { seen.push_back("first:" + contentOf(path("one"))); });
  EXPECT_TRUE(seen.empty());  // not inside the call: the change is queued
  EXPECT_FALSE(writer.idle());
  EXPECT_EQ(writer.pending(), 1u);
  writer.submit(write(path("two"), "2"));
  writer.afterDurable([&] { seen.push_back("second:" + contentOf(path("two"))); });
  // A callback given after an earlier one still waits its turn, even if
  // nothing new was submitted in between.
  writer.afterDurable([&] { seen.push_back("third"); });
  runUntil([&] { return seen.size() == 3; });
  EXPECT_EQ(seen, (std::vector<std::string>{"first:1", "second:2", "third"}));
  EXPECT_TRUE(writer.idle());
  EXPECT_EQ(writer.pending(), 0u);
  EXPECT_EQ(writer.applied(), 2u);
  EXPECT_GE(writer.groups(), 1u);
  EXPECT_LE(writer.groups(), 2u);
}

TEST_F(CheckpointWriterTest, AFailedChangeIsCountedAndTheOthersGoOn) {
  ASSERT_TRUE(apply({write(path("file"), "x")}).front());
  Writer writer(io_);
  writer.submit(write(path("file/below"), "b"));
  writer.submit(write(path("fine"), "f"));
  bool ran = false;
  writer.afterDurable([&] { ran = true; });
  runUntil([&] { return ran; });
  EXPECT_TRUE(ran);
  EXPECT_EQ(writer.failed(), 1u);
  EXPECT_EQ(contentOf(path("fine")), "f");
}

TEST_F(CheckpointWriterTest, WhatIsQueuedIsWrittenBeforeTheWriterGoes) {
  {
    Writer writer(io_);
    for (int i = 0; i < 50; ++i) writer.submit(write(path("f" + std::to_string(i)), std::to_string(i)));
    writer.afterDurable([] { FAIL() << "a callback ran after its writer was gone"; });
  }
  for (int i = 0; i < 50; ++i) EXPECT_EQ(contentOf(path("f" + std::to_string(i))), std::to_string(i));
  io_.run_for(std::chrono::milliseconds(20));  // the writer's last report comes to nothing
}

TEST_F(CheckpointWriterTest, DrainWaitsForTheQueue) {
  Writer writer(io_);
  for (int i = 0; i < 20; ++i) writer.submit(write(path("d/f" + std::to_string(i)), "x"));
  writer.drain();
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(fs::exists(path("d/f" + std::to_string(i))));
  EXPECT_EQ(writer.applied(), 20u);
}

}  // namespace
}  // namespace tepui::checkpoint
