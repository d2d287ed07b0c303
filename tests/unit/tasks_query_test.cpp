// Unit tests of /master/tasks's query and order (master/tasks_query.hpp):
// the defaults, the values refused with the parameter named, and the pages
// of a list sorted by each task's first status.
#include "master/tasks_query.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace tepui::master {
namespace {

using Query = std::map<std::string, std::string>;

TasksQuery parsed(const Query& query) {
  auto q = parseTasksQuery(query);
  EXPECT_TRUE(q.ok()) << q.error().message;
  return q ? *q : TasksQuery{};
}

TEST(TasksQuery, DefaultsToTheNewestHundred) {
  TasksQuery q = parsed({});
  EXPECT_EQ(q.limit, 100u);
  EXPECT_EQ(q.offset, 0u);
  EXPECT_FALSE(q.ascending);
  EXPECT_FALSE(q.frameworkId.has_value());
  EXPECT_FALSE(q.taskId.has_value());
}

TEST(TasksQuery, ReadsEveryParameter) {
  TasksQuery q = parsed({{"limit", "7"}, {"offset", "3"}, {"order", "asc"}, {"framework_id", "F"}, {"task_id", "T"}});
  EXPECT_EQ(q.limit, 7u);
  EXPECT_EQ(q.offset, 3u);
  EXPECT_TRUE(q.ascending);
  EXPECT_EQ(q.frameworkId, "F");
  EXPECT_EQ(q.taskId, "T");
  EXPECT_FALSE(parsed({{"order", "desc"}}).ascending);
}

TEST(TasksQuery, RefusesValuesThatDoNotParseNamingTheParameter) {
  for (auto& [name, value] : std::vector<std::pair<std::string, std::string>>{{"limit", "abc"},
                                                                              {"limit", ""},
                                                                              {"limit", "-1"},
                                                                              {"limit", "10x"},
                                                                              {"limit", "99999999999999999999999"},
                                                                              {"offset", "1.5"},
                                                                              {"offset", " 2"},
                                                                              {"order", "sideways"},
                                                                              {"order", "ASC"}}) {
    auto q = parseTasksQuery({{name, value}});
    ASSERT_FALSE(q.ok()) << name << "=" << value;
    EXPECT_NE(q.error().message.find("'" + name + "'"), std::string::npos) << q.error().message;
    EXPECT_NE(q.error().message.find("'" + value + "'"), std::string::npos) << q.error().message;
  }
}

TEST(TasksQuery, SelectsByFrameworkAndTaskId) {
  TasksQuery all;
  EXPECT_TRUE(all.selects("F", "T"));
  TasksQuery byFramework = parsed({{"framework_id", "F"}});
  EXPECT_TRUE(byFramework.selects("F", "T"));
  EXPECT_FALSE(byFramework.selects("G", "T"));
  TasksQuery both = parsed({{"framework_id", "F"}, {"task_id", "T"}});
  EXPECT_TRUE(both.selects("F", "T"));
  EXPECT_FALSE(both.selects("F", "U"));
  EXPECT_FALSE(both.selects("G", "T"));
}

// Tasks that outlive the listing that points at them.
class TasksPage : public ::testing::Test {
 protected:
  // A task of framework `framework` whose statuses have these timestamps.
  void add(const std::string& framework, const std::string& id, std::vector<double> timestamps) {
    v1::Task& t = tasks_.emplace_back();
    t.mutable_framework_id()->set_value(framework);
    t.mutable_task_id()->set_value(id);
    for (double ts : timestamps) t.add_statuses()->set_timestamp(ts);
  }
  std::vector<std::string> page(const Query& query) {
    std::vector<ListedTask> listed;
    for (auto& t : tasks_) listed.push_back({&t, "*"});
    std::vector<std::string> ids;
    for (auto& l : tasksPage(std::move(listed), parsed(query))) ids.push_back(l.task->task_id().value());
    return ids;
  }

  std::deque<v1::Task> tasks_;
};

TEST_F(TasksPage, OrdersByTheFirstStatusNewestFirst) {
  add("F", "middle", {20, 90});
  add("F", "old", {10, 100});  // its latest status is the newest, its first the oldest
  add("F", "new", {30});
  EXPECT_EQ(page({}), (std::vector<std::string>{"new", "middle", "old"}));
  EXPECT_EQ(page({{"order", "asc"}}), (std::vector<std::string>{"old", "middle", "new"}));
}

TEST_F(TasksPage, TasksWithoutAStatusComeFirstAscendingAndLastDescending) {
  add("F", "staging", {});
  add("F", "running", {5});
  EXPECT_EQ(page({{"order", "asc"}}), (std::vector<std::string>{"staging", "running"}));
  EXPECT_EQ(page({}), (std::vector<std::string>{"running", "staging"}));
}

TEST_F(TasksPage, BreaksTiesByFrameworkThenTaskSoThatPagesNeitherRepeatNorSkip) {
  add("G", "a", {1});
  add("F", "b", {1});
  add("F", "a", {1});
  add("F", "c", {});
  add("G", "c", {});
  EXPECT_EQ(page({{"order", "asc"}}), (std::vector<std::string>{"c", "c", "a", "b", "a"}));
  std::vector<std::string> paged;
  for (size_t offset = 0; offset < 5; offset += 2) {
    for (auto& id : page({{"limit", "2"}, {"offset", std::to_string(offset)}})) paged.push_back(id);
  }
  EXPECT_EQ(paged, (std::vector<std::string>{"a", "b", "a", "c", "c"}));
}

TEST_F(TasksPage, TakesLimitFromOffsetAndNothingPastTheEnd) {
  for (int i = 0; i < 150; ++i) add("F", std::to_string(i), {static_cast<double>(i)});
  auto first = page({});
  ASSERT_EQ(first.size(), 100u);
  EXPECT_EQ(first.front(), "149");
  EXPECT_EQ(first.back(), "50");
  EXPECT_EQ(page({{"offset", "140"}, {"limit", "3"}}), (std::vector<std::string>{"9", "8", "7"}));
  EXPECT_EQ(page({{"offset", "148"}}), (std::vector<std::string>{"1", "0"}));
  EXPECT_TRUE(page({{"offset", "150"}}).empty());
  EXPECT_TRUE(page({{"offset", "1000"}, {"limit", "1000"}}).empty());
  EXPECT_TRUE(page({{"limit", "0"}}).empty());
  EXPECT_EQ(page({{"limit", "1000"}}).size(), 150u);
}

}  // namespace
}  // namespace tepui::master
