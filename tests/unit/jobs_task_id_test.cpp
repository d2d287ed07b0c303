// Task ids of job runs, ct:<due millis>:<attempt>:<name>:<args>: Chronos's
// form, the escaping of arguments, and the errors of ids Tepui cannot have
// written.
#include <gtest/gtest.h>

#include "common/ids.hpp"
#include "jobs/job.hpp"
#include "jobs/task_id.hpp"

namespace tepui::jobs {
namespace {

std::string mustFormat(const TaskId& id) {
  Result<std::string> text = formatTaskId(id);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message);
  return text.ok() ? *text : "";
}

std::string parseError(std::string_view text) {
  Result<TaskId> id = parseTaskId(text);
  EXPECT_FALSE(id.ok()) << text << " was accepted";
  return id.ok() ? "" : id.error().message;
}

TEST(JobsTaskId, ChronosFormForPlainRuns) {
  EXPECT_EQ(mustFormat({1428515194358, 0, "NewJob", ""}), "ct:1428515194358:0:NewJob:");
  EXPECT_EQ(mustFormat({1428515194358, 2, "etl.daily-v2", "--full run"}), "ct:1428515194358:2:etl.daily-v2:--full run");
}

TEST(JobsTaskId, RoundTripsNamesWithDotsAndDashesAndArgsWithColons) {
  const std::vector<TaskId> ids = {
      {0, 0, "a", ""},
      {1700000000000, 5, "my.job-name_2", "host:port a:b:c"},
      {1700000000000, 1, "j", "path/to/file \\ 100% \t tab"},
      {42, 0, "j", "%41 stays literal"},
      {42, 0, "j", ":"},
  };
  for (const TaskId& id : ids) {
    const std::string text = mustFormat(id);
    EXPECT_EQ(ids::invalidIdReason(text), "") << text;
    Result<TaskId> back = parseTaskId(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message;
    EXPECT_EQ(*back, id) << text;
  }
}

TEST(JobsTaskId, TheLongestNameFitsWithRoomForArguments) {
  const std::string longest(kMaxJobNameBytes, 'n');
  const std::string text = mustFormat({9999999999999, 999, longest, "--fast"});  // due in the year 2286
  EXPECT_LE(text.size(), 255u);
}

TEST(JobsTaskId, ArgumentsEscapeWhatATaskIdCannotHold) {
  EXPECT_EQ(mustFormat({1, 0, "j", "a/b\\c%d\ne"}), "ct:1:0:j:a%2Fb%5Cc%25d%0Ae");
}

TEST(JobsTaskId, ParsesChronosIdsWithoutTheLastColon) {
  Result<TaskId> id = parseTaskId("ct:1428515194358:1:NewJob");
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, (TaskId{1428515194358, 1, "NewJob", ""}));
  Result<TaskId> lower = parseTaskId("ct:5:0:j:%2f");  // lower-case hex is read too
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->args, "/");
}

TEST(JobsTaskId, RefusesIdsItCannotHaveWritten) {
  EXPECT_EQ(parseError("task-1"), "task id 'task-1' does not start with 'ct:'");
  EXPECT_EQ(parseError("ct:abc:0:j:"), "task id 'ct:abc:0:j:': the due time 'abc' is not a non-negative integer");
  EXPECT_EQ(parseError("ct:-5:0:j:"), "task id 'ct:-5:0:j:': the due time '-5' is not a non-negative integer");
  EXPECT_EQ(parseError("ct:5"), "task id 'ct:5': nothing follows the due time");
  EXPECT_EQ(parseError("ct:5:x:j:"), "task id 'ct:5:x:j:': the attempt 'x' is not a non-negative integer");
  EXPECT_EQ(parseError("ct:5:0::"), "task id 'ct:5:0::': '' is not a valid job name");
  EXPECT_EQ(parseError("ct:5:0:a b:"), "task id 'ct:5:0:a b:': 'a b' is not a valid job name");
  EXPECT_EQ(parseError("ct:5:0:j:50%"),
            "task id 'ct:5:0:j:50%': '%' at byte 2 of the arguments is not followed by two hex digits");
  EXPECT_EQ(parseError("ct:5:0:j:%zz"),
            "task id 'ct:5:0:j:%zz': '%' at byte 0 of the arguments is not followed by two hex digits");
  EXPECT_EQ(parseError("ct:99999999999999999999:0:j:"),
            "task id 'ct:99999999999999999999:0:j:': the due time '99999999999999999999' is not a non-negative "
            "integer");
}

TEST(JobsTaskId, FormatRefusesWhatCannotBeATaskId) {
  EXPECT_EQ(formatTaskId({-1, 0, "j", ""}).error().message, "the due time must not be before 1970");
  EXPECT_EQ(formatTaskId({1, -1, "j", ""}).error().message, "the attempt must not be negative");
  EXPECT_EQ(formatTaskId({1, 0, "a:b", ""}).error().message, "'a:b' is not a valid job name");
  EXPECT_EQ(formatTaskId({1, 0, "j", std::string(300, 'x')}).error().message,
            "the task id of job 'j' is longer than 255 bytes (shorten the arguments)");
}

}  // namespace
}  // namespace tepui::jobs
