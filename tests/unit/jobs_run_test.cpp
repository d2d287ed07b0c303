// Run records (jobs/run.hpp) and the bounded run history (jobs/run_history.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jobs/run.hpp"
#include "jobs/run_history.hpp"

namespace tepui::jobs {
namespace {

namespace bj = boost::json;

jobs::Run fullRun() {
  jobs::Run r;
  r.job = "etl";
  r.due = 1700000000000;
  r.attempt = 2;
  r.args = "a b/c";
  r.taskId = "ct:1700000000000:2:etl:a b%2Fc";
  r.state = RunState::kFailed;
  r.trigger = RunTrigger::kRetry;
  r.notBefore = 1700000060000;
  r.queuedAt = 1700000000001;
  r.launchedAt = 1700000000002;
  r.startedAt = 1700000000003;
  r.endedAt = 1700000005003;
  r.taskState = "TASK_FAILED";
  r.reason = "REASON_COMMAND_EXECUTOR_FAILED";
  r.message = "Command exited with status 1";
  r.agentId = "agent-1";
  r.hostname = "node1";
  r.agentUrl = "http://node1:5051";
  r.sandbox = "http://node1:5051/files/browse?path=%2Fx";
  r.killRequested = true;
  r.killReason = "over maxCompletionTime";
  r.seq = 7;
  return r;
}

TEST(JobsRunTest, JsonRoundTripKeepsEveryField) {
  jobs::Run r = fullRun();
  Result<jobs::Run> back = runFromJson(bj::parse(bj::serialize(runToJson(r))));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(JobsRunTest, JsonRoundTripOfAFreshQueuedRun) {
  jobs::Run r;
  r.job = "a";
  r.taskId = "ct:0:0:a:";
  Result<jobs::Run> back = runFromJson(runToJson(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(back->launchedAt.has_value());
}

TEST(JobsRunTest, BadDocumentsNameTheField) {
  bj::object o = runToJson(fullRun());
  o["state"] = "sleeping";
  Result<jobs::Run> r = runFromJson(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "state: unknown value 'sleeping'");
  o = runToJson(fullRun());
  o["due"] = "soon";
  r = runFromJson(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("due:", 0), 0u) << r.error().message;
  o = runToJson(fullRun());
  o.erase("taskId");
  EXPECT_FALSE(runFromJson(o).ok());
  EXPECT_FALSE(runFromJson(bj::value(3)).ok());
}

TEST(JobsRunTest, StateNamesRoundTrip) {
  for (RunState s : {RunState::kQueued, RunState::kLaunching, RunState::kRunning, RunState::kFinished,
                     RunState::kFailed, RunState::kKilled})
    EXPECT_EQ(parseRunState(runStateName(s)), s);
  EXPECT_FALSE(parseRunState("lost").has_value());
  EXPECT_TRUE(isEnded(RunState::kKilled));
  EXPECT_FALSE(isEnded(RunState::kRunning));
}

TEST(JobsRunTest, DurationFromStartOrLaunch) {
  jobs::Run r;
  EXPECT_FALSE(runDuration(r).has_value());
  r.launchedAt = 1000;
  r.endedAt = 4000;
  EXPECT_EQ(runDuration(r), 3000);
  r.startedAt = 1500;
  EXPECT_EQ(runDuration(r), 2500);
}

TEST(JobsRunTest, SandboxLinkBrowsesTheDirectoryWhenKnown) {
  EXPECT_EQ(sandboxLink("http://n:5051", ""), "http://n:5051");
  EXPECT_EQ(sandboxLink("", "/a"), "");
  std::string link = sandboxLink("http://n:5051", "/var/lib/x y");
  EXPECT_EQ(link.rfind("http://n:5051/files/browse?path=", 0), 0u);
  EXPECT_EQ(link.find(' '), std::string::npos) << link;
}

jobs::Run ended(const std::string& job, int64_t start, int64_t end, RunState state = RunState::kFinished) {
  jobs::Run r;
  r.job = job;
  r.due = start;
  r.taskId = "ct:" + std::to_string(start) + ":0:" + job + ":";
  r.state = state;
  r.launchedAt = start;
  r.endedAt = end;
  return r;
}

TEST(JobsRunHistoryTest, KeepsTheLastNPerJobAndErasesWhatDrops) {
  RunHistory history(3);
  DocWrites writes;
  for (int i = 1; i <= 5; ++i) history.add(ended("a", i * 1000, i * 1000 + i), writes);
  history.add(ended("b", 1, 2), writes);
  std::vector<const jobs::Run*> runs = history.runsOf("a");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0]->seq, 5);  // newest first
  EXPECT_EQ(runs[2]->seq, 3);
  EXPECT_EQ(history.runsOf("a", 2).size(), 2u);
  EXPECT_EQ(history.runsOf("b").size(), 1u);
  // 6 puts, and the erases of seq 1 and 2 of "a".
  int puts = 0;
  std::vector<std::string> erased;
  for (auto& w : writes) {
    EXPECT_EQ(w.collection, kRunsCollection);
    if (w.doc)
      ++puts;
    else
      erased.push_back(w.id);
  }
  EXPECT_EQ(puts, 6);
  EXPECT_EQ(erased, (std::vector<std::string>{"a/000000000001", "a/000000000002"}));
}

TEST(JobsRunHistoryTest, LoadsWhatItWroteAndContinuesTheNumbering) {
  RunHistory history(10);
  DocWrites writes;
  history.add(ended("a", 1000, 3000), writes);
  history.add(ended("a", 5000, 6000, RunState::kFailed), writes);
  std::map<std::string, bj::value> docs;
  for (auto& w : writes) docs[w.id] = *w.doc;
  docs["a/999"] = bj::object{{"job", "a"}};  // unreadable: skipped and reported

  RunHistory loaded(10);
  std::vector<std::string> problems = loaded.load(docs);
  EXPECT_EQ(problems.size(), 1u);
  ASSERT_EQ(loaded.runsOf("a").size(), 2u);
  EXPECT_EQ(loaded.durations("a"), std::vector<double>{2000});  // the failed one does not count
  DocWrites more;
  loaded.add(ended("a", 7000, 8000), more);
  EXPECT_EQ(more.front().id, "a/000000000003");
  EXPECT_EQ(loaded.allDurations().at("a").size(), 2u);
}

TEST(JobsRunHistoryTest, EraseJobErasesItsDocuments) {
  RunHistory history(10);
  DocWrites writes;
  history.add(ended("a", 1, 2), writes);
  history.add(ended("a", 3, 4), writes);
  DocWrites erase;
  history.eraseJob("a", erase);
  EXPECT_EQ(erase.size(), 2u);
  for (auto& w : erase) EXPECT_FALSE(w.doc.has_value());
  EXPECT_TRUE(history.runsOf("a").empty());
}

}  // namespace
}  // namespace tepui::jobs
