// Unit tests of the agent's status update manager: order per task, one in
// flight, retries until acknowledged, duplicates ignored, pause/resume.
#include "agent/status_update_manager.hpp"

#include <gtest/gtest.h>

#include "common/ids.hpp"

namespace tepui::agent {
namespace {

using namespace std::chrono_literals;

struct Sent {
  std::string framework;
  v1::TaskStatus status;
  v1::TaskState latest;
};

class StatusUpdateManagerTest : public ::testing::Test {
 protected:
  StatusUpdateManagerTest()
      : sum(
            io,
            [this](const std::string& f, const v1::TaskStatus& s, v1::TaskState l) {
              sent.push_back({f, s, l});
            },
            20ms, 80ms) {}

  static v1::TaskStatus status(const std::string& task, v1::TaskState state) {
    v1::TaskStatus s;
    s.mutable_task_id()->set_value(task);
    s.set_state(state);
    s.set_uuid(ids::uuidBytes());
    return s;
  }

  void runFor(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }

  boost::asio::io_context io;
  std::vector<Sent> sent;
  StatusUpdateManager sum;
};

TEST_F(StatusUpdateManagerTest, OnlyTheHeadIsInFlightAndOrderHolds) {
  auto starting = status("t", v1::TASK_STARTING), running = status("t", v1::TASK_RUNNING);
  sum.pause();
  sum.update("F", starting);
  sum.update("F", running);
  sum.resume();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status.state(), v1::TASK_STARTING);
  EXPECT_EQ(sent[0].latest, v1::TASK_RUNNING);                    // the master learns the newest state
  EXPECT_EQ(sum.acknowledge("F", "t", running.uuid()), nullptr);  // not the head
  auto acked = sum.acknowledge("F", "t", starting.uuid());
  ASSERT_NE(acked, nullptr);
  EXPECT_EQ(acked->state(), v1::TASK_STARTING);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].status.uuid(), running.uuid());
}

TEST_F(StatusUpdateManagerTest, TheHeadIsRetriedWithBackoffUntilAcknowledged) {
  auto s = status("t", v1::TASK_RUNNING);
  sum.update("F", s);
  runFor(200ms);  // retries at ~20, 60, 140 ms (backoff doubles, capped at 80)
  EXPECT_GE(sent.size(), 3u);
  for (auto& x : sent) EXPECT_EQ(x.status.uuid(), s.uuid());
  size_t before = sent.size();
  sum.acknowledge("F", "t", s.uuid());
  runFor(150ms);
  EXPECT_EQ(sent.size(), before);
  EXPECT_TRUE(sum.drained("F", "t"));
}

TEST_F(StatusUpdateManagerTest, DuplicatesAndAcknowledgedUpdatesAreIgnored) {
  auto s = status("t", v1::TASK_RUNNING);
  EXPECT_TRUE(sum.update("F", s));
  EXPECT_FALSE(sum.update("F", s));
  sum.acknowledge("F", "t", s.uuid());
  EXPECT_FALSE(sum.update("F", s));  // an executor re-sending after reconnect
  EXPECT_EQ(sum.pendingCount(), 0u);
}

TEST_F(StatusUpdateManagerTest, PausedSendsNothingAndResumeSendsEveryHead) {
  sum.pause();
  sum.update("F", status("a", v1::TASK_RUNNING));
  sum.update("F", status("b", v1::TASK_RUNNING));
  runFor(50ms);
  EXPECT_TRUE(sent.empty());
  sum.resume();
  EXPECT_EQ(sent.size(), 2u);
}

TEST_F(StatusUpdateManagerTest, RemovingAFrameworkDropsItsUpdates) {
  sum.update("F", status("a", v1::TASK_RUNNING));
  sum.update("G", status("b", v1::TASK_RUNNING));
  sum.removeFramework("F");
  EXPECT_EQ(sum.pendingCount(), 1u);
  EXPECT_FALSE(sum.latestQueuedState("F", "a").has_value());
  EXPECT_EQ(sum.latestQueuedState("G", "b"), v1::TASK_RUNNING);
}

TEST_F(StatusUpdateManagerTest, EveryChangeIsPersistedAndARecoveredStreamIsSentOnResume) {
  std::vector<internal::TaskUpdates> persisted;
  sum.setPersist([&](const std::string& f, const std::string& t, const internal::TaskUpdates& stream) {
    EXPECT_EQ(f, "F");
    EXPECT_EQ(t, "t");
    persisted.push_back(stream);
  });
  auto running = status("t", v1::TASK_RUNNING), finished = status("t", v1::TASK_FINISHED);
  sum.update("F", running);
  sum.update("F", finished);
  sum.update("F", running);  // a duplicate changes nothing, so nothing is written
  ASSERT_EQ(persisted.size(), 2u);
  EXPECT_EQ(persisted[1].queued_size(), 2);
  sum.acknowledge("F", "t", running.uuid());
  ASSERT_EQ(persisted.size(), 3u);
  const internal::TaskUpdates& saved = persisted.back();
  ASSERT_EQ(saved.queued_size(), 1);
  EXPECT_EQ(saved.queued(0).uuid(), finished.uuid());
  ASSERT_EQ(saved.acknowledged_size(), 1);
  EXPECT_EQ(saved.acknowledged(0), running.uuid());
  EXPECT_EQ(saved.acknowledged_state(), v1::TASK_RUNNING);

  // A new manager (the restarted agent) takes the stream back.
  std::vector<Sent> resent;
  StatusUpdateManager restarted(
      io,
      [&](const std::string& f, const v1::TaskStatus& s, v1::TaskState l) {
        resent.push_back({f, s, l});
      },
      20ms, 80ms);
  restarted.pause();
  restarted.recover("F", "t", saved);
  EXPECT_EQ(restarted.latestQueuedState("F", "t"), v1::TASK_FINISHED);
  EXPECT_EQ(restarted.acknowledgedState("F", "t"), v1::TASK_RUNNING);
  EXPECT_FALSE(restarted.update("F", running));   // the executor re-sends what was acknowledged
  EXPECT_FALSE(restarted.update("F", finished));  // and what is still queued
  EXPECT_TRUE(resent.empty());
  restarted.resume();
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].status.uuid(), finished.uuid());
  ASSERT_NE(restarted.acknowledge("F", "t", finished.uuid()), nullptr);
  EXPECT_TRUE(restarted.drained("F", "t"));
}

}  // namespace
}  // namespace tepui::agent
