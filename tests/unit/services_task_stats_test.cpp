#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>

#include "common/iso_time.hpp"
#include "services/task_stats.hpp"

namespace tepui::services {
namespace {

namespace bj = boost::json;

struct Fixture {
  AppDefinition app;
  std::deque<Instance> all;
  Instance& add(const std::string& config, double stagedAt, std::optional<double> startedAt) {
    Instance& i = all.emplace_back();
    i.id = "i" + std::to_string(all.size());
    i.configVersion = config;
    i.stagedAt = stagedAt;
    i.startedAt = startedAt;
    i.state = startedAt ? v1::TASK_RUNNING : v1::TASK_STAGING;
    return i;
  }
  std::vector<const Instance*> view() const {
    std::vector<const Instance*> out;
    for (auto& i : all) out.push_back(&i);
    return out;
  }
};

TEST(TaskStatsTest, SplitsByScalingAndConfigurationInMarathonsShape) {
  Fixture f;
  f.app.versionInfo.lastConfigChangeAt = iso_time::format(1000);
  f.app.versionInfo.lastScalingAt = iso_time::format(2000);
  f.add(iso_time::format(500), 600, 610).health.alive = false;    // outdated
  f.add(iso_time::format(1000), 1500, 1510).health.alive = true;  // latest, before the scaling
  f.add(iso_time::format(1000), 2100, 2110).health.alive = true;  // latest, after it
  f.add(iso_time::format(1000), 2200, std::nullopt);              // staging
  Instance& scheduled = f.add(iso_time::format(1000), 2300, std::nullopt);
  scheduled.scheduled = true;
  Instance& ended = f.add(iso_time::format(1000), 100, 110);
  ended.state = v1::TASK_FAILED;

  bj::object s = taskStatsJson(f.app, f.view(), 3110);
  auto counts = [&](const char* name) { return s.at(name).at("stats").at("counts").as_object(); };
  EXPECT_EQ(counts("totalSummary").at("running").as_int64(), 3);
  EXPECT_EQ(counts("totalSummary").at("staged").as_int64(), 1);
  EXPECT_EQ(counts("totalSummary").at("healthy").as_int64(), 2);
  EXPECT_EQ(counts("totalSummary").at("unhealthy").as_int64(), 1);
  EXPECT_EQ(counts("withOutdatedConfig").at("running").as_int64(), 1);
  EXPECT_EQ(counts("withLatestConfig").at("running").as_int64(), 2);
  EXPECT_EQ(counts("startedAfterLastScaling").at("running").as_int64(), 1);
  EXPECT_EQ(counts("startedAfterLastScaling").at("staged").as_int64(), 1);
  // Lifetimes 2500, 1600 and 1000 s: mean 1700, median 1600.
  auto& life = s.at("totalSummary").at("stats").at("lifeTime").as_object();
  EXPECT_DOUBLE_EQ(life.at("averageSeconds").as_double(), 1700);
  EXPECT_DOUBLE_EQ(life.at("medianSeconds").as_double(), 1600);
  EXPECT_DOUBLE_EQ(s.at("withLatestConfig").at("stats").at("lifeTime").at("medianSeconds").as_double(), 1300);
}

TEST(TaskStatsTest, LeavesOutEmptyCategoriesAndLifetimesOfInstancesNotStarted) {
  Fixture f;
  f.app.versionInfo.lastConfigChangeAt = iso_time::format(1000);
  f.app.versionInfo.lastScalingAt = iso_time::format(1000);
  EXPECT_TRUE(taskStatsJson(f.app, f.view(), 2000).empty());
  f.add(iso_time::format(1000), 1500, std::nullopt);
  bj::object s = taskStatsJson(f.app, f.view(), 2000);
  EXPECT_FALSE(s.contains("withOutdatedConfig"));
  EXPECT_TRUE(s.contains("withLatestConfig"));
  EXPECT_FALSE(s.at("totalSummary").at("stats").as_object().contains("lifeTime"));
}

}  // namespace
}  // namespace tepui::services
