// Tests of leader election and detection against a real ZooKeeper server:
// the lowest contender leads, a detector sees it, the next one takes over
// when the leader's session closes, and a leader cut off from ZooKeeper
// for longer than its session timeout gives up.
#include "registry/election.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "support/eventually.hpp"
#include "support/zookeeper_server.hpp"

namespace tepui::testing {
namespace {

using namespace std::chrono_literals;
using registry::Contender;
using registry::Detector;

struct Member {
  std::atomic<bool> elected{false}, lost{false};
  std::unique_ptr<Contender> contender;

  Member(const ZooKeeperServer& zk, const std::string& name, std::chrono::milliseconds timeout = 5s) {
    auto c = Contender::join(zk.url("/tepui/election"), timeout, "{\"id\":\"" + name + "\"}",
                             {[this] { elected = true; }, [this](const std::string&) { lost = true; }});
    EXPECT_TRUE(c.ok()) << c.error().message;
    if (c) contender = std::move(*c);
  }
};

TEST(ElectionTest, ElectionMembersSortBySequenceAndIgnoreOtherNodes) {
  EXPECT_EQ(registry::electionMembers({"json.info_0000000010", "info_0000000001", "json.info_0000000002", "log"}),
            (std::vector<std::string>{"json.info_0000000002", "json.info_0000000010"}));
}

TEST(ElectionTest, TheFirstLeadsAndTheNextTakesOverWhenItGoes) {
  ZooKeeperServer zk;
  std::mutex mutex;
  std::vector<std::optional<std::string>> seen;
  auto detector = Detector::watch(zk.url("/tepui/election"), 5s, [&](const std::optional<std::string>& leader) {
    std::lock_guard lock(mutex);
    seen.push_back(leader);
  });
  ASSERT_TRUE(detector.ok()) << detector.error().message;
  auto leaderSeen = [&]() {
    std::lock_guard lock(mutex);
    return seen.empty() ? std::optional<std::string>() : seen.back();
  };

  auto a = std::make_unique<Member>(zk, "a");
  Member b(zk, "b"), c(zk, "c");
  ASSERT_TRUE(eventually([&] { return a->elected.load(); }));
  EXPECT_TRUE(a->contender->znode().find("/tepui/election/json.info_") == 0) << a->contender->znode();
  ASSERT_TRUE(eventually([&] { return leaderSeen() == std::optional<std::string>("{\"id\":\"a\"}"); }));
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(b.elected);
  EXPECT_FALSE(c.elected);

  a.reset();  // the leader's session closes
  ASSERT_TRUE(eventually([&] { return b.elected.load(); }));
  EXPECT_FALSE(c.elected);
  EXPECT_TRUE(eventually([&] { return leaderSeen() == std::optional<std::string>("{\"id\":\"b\"}"); }));
  EXPECT_FALSE(b.lost);
}

TEST(ElectionTest, ALeaderCutOffFromZooKeeperGivesUp) {
  ZooKeeperServer zk;
  Member leader(zk, "alone", 1000ms);
  ASSERT_TRUE(eventually([&] { return leader.elected.load(); }));
  zk.stop();
  // Once cut off for longer than its session timeout it stops leading (the
  // deadline is generous: this checks behaviour, not speed).
  EXPECT_TRUE(eventually([&] { return leader.lost.load(); }));
}

}  // namespace
}  // namespace tepui::testing
