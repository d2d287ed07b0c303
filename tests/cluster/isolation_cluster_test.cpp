// In-process cluster tests of the Linux containerizer with real cgroups v1
// and namespaces (they need root and the cpu, cpuacct, memory and freezer
// hierarchies, and skip with a message elsewhere): a task that allocates
// far more than its mem fails with REASON_CONTAINER_LIMITATION_MEMORY; two
// busy tasks given 1 and 0.5 cpus under CFS get about 2:1 of the CPU; a
// process that double-forked and left its session dies with its task, with
// and without a PID namespace; the task is PID 1's child in its namespace;
// filesystem/linux gives a private /tmp; /monitor/statistics reports
// plausible numbers; and no cgroup is left behind.
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <thread>

#include "cluster.hpp"
#include "containerizer/cgroups.hpp"
#include "http/client.hpp"

namespace tepui::testing {
namespace {

namespace fs = std::filesystem;

// Why these tests cannot run here, or empty.
std::string unsupported() {
  if (::geteuid() != 0) return "needs root (cgroups and namespaces)";
  auto mounts = containerizer::readCgroupMounts();
  for (const char* c : {"cpu", "cpuacct", "memory", "freezer"}) {
    if (!mounts.v1.count(c)) return std::string("needs the cgroups v1 '") + c + "' hierarchy";
  }
  return "";
}

class IsolationClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = unsupported(); !why.empty()) GTEST_SKIP() << why;
    root_ = "tepui-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
  }

  void TearDown() override {
    if (root_.empty()) return;
    std::error_code ec;
    fs::remove_all(varTmp_, ec);
    // The cgroups under the root go with their containers, even those
    // still running when their agent stopped; the root is ours.
    for (const char* h : {"freezer", "cpu", "cpuacct", "memory"}) EXPECT_EQ(cgroupsLeft(h), 0u) << "left in " << h;
    for (auto& [name, mount] : containerizer::readCgroupMounts().v1) ::rmdir((mount + "/" + root_).c_str());
  }

  size_t addAgent(Cluster& cluster, const std::string& isolation, bool cfs = false,
                  std::function<void(agent::AgentFlags&)> tweak = {}) {
    return cluster.addAgent("cpus:4;mem:4096;disk:1024;ports:[31000-31100]", [&](agent::AgentFlags& f) {
      if (tweak) tweak(f);
      // filesystem/linux hides /tmp, where the cluster keeps its work dirs.
      if (isolation.find("filesystem/linux") != std::string::npos) {
        varTmp_ = "/var/tmp/" + root_;
        f.work_dir = varTmp_;
      }
      f.isolation = isolation;
      f.cgroups_root = root_;
      f.cgroups_enable_cfs = cfs;
    });
  }

  // The containers under this test's root in a hierarchy.
  size_t cgroupsLeft(const std::string& hierarchy) {
    auto mounts = containerizer::readCgroupMounts();
    size_t n = 0;
    std::error_code ec;
    for (fs::directory_iterator it(mounts.v1.at(hierarchy) + "/" + root_, ec), end; !ec && it != end;
         it.increment(ec)) {
      n += it->is_directory();
    }
    return n;
  }

  // Runs `command` as a task given 64 MB (and its executor's 32 MB); expects
  // it to fail for its memory, and returns its last update.
  v1::TaskStatus runMemoryHog(Cluster& cluster, const std::string& command) {
    TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("mem"));
    scheduler.subscribe();
    scheduler.launch({commandTask("hog", command, 0.5, 64)});
    auto states = scheduler.untilTerminal({"hog"});
    if (states["hog"].empty()) return {};
    const auto& last = states["hog"].back();
    EXPECT_EQ(last.state(), v1::TASK_FAILED);
    EXPECT_EQ(last.reason(), v1::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY) << last.message();
    EXPECT_NE(last.message().find("Memory limit exceeded: Requested: 96MB"), std::string::npos) << last.message();
    return last;
  }

  std::string root_;
  std::string varTmp_;  // a work dir outside /tmp, when one is needed
  static inline int counter_ = 0;
};

// The first line of file `name` in some sandbox under `workDir`, once written.
std::string sandboxFile(const fs::path& workDir, const std::string& name) {
  std::string text;
  eventually([&] {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(workDir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().filename() == name && it->path().string().find("/runs/latest") == std::string::npos) {
        std::ifstream in(it->path());
        std::getline(in, text);
        if (!text.empty()) return true;
      }
    }
    return false;
  });
  return text;
}

bool processGone(pid_t pid) {
  return eventually([pid] {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    auto close = line.rfind(')');
    return close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z';
  });
}

// GET `path` (or POST `body` to it) on agent `agent`.
std::optional<http::Response> agentRequest(Cluster& cluster, size_t agent, const std::string& path,
                                           const std::string& body = "") {
  http::Request r;
  r.method = body.empty() ? "GET" : "POST";
  r.target = path;
  if (!body.empty()) {
    r.headers["Content-Type"] = "application/json";
    r.body = body;
  }
  auto port = cluster.agent(agent).call([](agent::Agent& a) { return a.port(); });
  auto response = http::fetch({"127.0.0.1", port}, r);
  if (!response) return std::nullopt;
  return *response;
}

boost::json::array statistics(Cluster& cluster, size_t agent) {
  auto response = agentRequest(cluster, agent, "/monitor/statistics");
  if (!response || response->status != 200) return {};
  return boost::json::parse(response->body).as_array();
}

double cpuSeconds(const boost::json::object& stats) {
  return stats.at("cpus_user_time_secs").to_number<double>() + stats.at("cpus_system_time_secs").to_number<double>();
}

TEST_F(IsolationClusterTest, TaskOverItsMemoryFailsWithTheMemoryReason) {
  Cluster cluster;
  addAgent(cluster, "cgroups/cpu,cgroups/mem");
  // 400 MB of touched memory.
  auto last = runMemoryHog(cluster, "python3 -c \"x = b'x' * (400 << 20); import time; time.sleep(60)\"");
  EXPECT_EQ(last.source(), v1::TaskStatus::SOURCE_AGENT);
  ASSERT_EQ(last.limitation().resources_size(), 1);
  EXPECT_EQ(last.limitation().resources(0).name(), "mem");
  EXPECT_TRUE(eventually([&] { return cgroupsLeft("memory") == 0; }));
}

TEST_F(IsolationClusterTest, ContainerWhoseChildRanOutOfMemoryIsDestroyedAtOnce) {
  Cluster cluster;
  addAgent(cluster, "cgroups/mem");
  // The kernel kills the hog; the task's shell would sleep on.
  runMemoryHog(cluster, "python3 -c \"x = b'x' * (400 << 20)\"; sleep 1000");
}

TEST_F(IsolationClusterTest, BusyTasksUnderCfsShareTheCpuByWhatTheyWereGiven) {
  Cluster cluster;
  addAgent(cluster, "cgroups/cpu,cgroups/mem", /*cfs=*/true);
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("cpu"));
  scheduler.subscribe();
  scheduler.launch({commandTask("one", "while :; do :; done", 1.0), commandTask("half", "while :; do :; done", 0.5)});
  ASSERT_TRUE(scheduler.untilRunning({"one", "half"}));
  auto sample = [&] {
    std::map<std::string, double> seconds;
    for (auto& entry : statistics(cluster, 0)) {
      auto& e = entry.as_object();
      seconds[std::string(e.at("executor_id").as_string())] = cpuSeconds(e.at("statistics").as_object());
    }
    return seconds;
  };
  auto before = sample();
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(4s);
  auto after = sample();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double one = after["one"] - before["one"], half = after["half"] - before["half"];
  // Each is capped by its quota (its cpus and its executor's 0.1)...
  EXPECT_LE(one, 1.1 * wall * 1.1) << one << " cpu-seconds in " << wall << " s";
  EXPECT_LE(half, 0.6 * wall * 1.1) << half << " cpu-seconds in " << wall << " s";
  // ... and, the machine being otherwise idle (ctest runs this test alone),
  // they split the CPU about 2:1: 1.1 : 0.6.
  ASSERT_GT(half, 0.0);
  EXPECT_GT(one / half, 1.4) << one << " vs " << half;
  EXPECT_LT(one / half, 2.6) << one << " vs " << half;
  for (auto& entry : statistics(cluster, 0)) {
    auto& stats = entry.as_object().at("statistics").as_object();
    if (entry.as_object().at("executor_id").as_string() != "half") continue;
    // CFS enforced its quota (whether it throttled depends on the machine's load).
    EXPECT_GT(stats.at("cpus_nr_periods").to_number<int64_t>(), 0);
    EXPECT_DOUBLE_EQ(stats.at("cpus_limit").to_number<double>(), 0.6);
  }
}

// The pid of a process of this test's containers whose command line is
// `command`, as the host sees it.
pid_t findInContainers(const std::string& root, const std::vector<std::string>& command) {
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    std::ifstream cmdline(it->path() / "cmdline");
    std::vector<std::string> args;
    for (std::string arg; std::getline(cmdline, arg, '\0');) args.push_back(arg);
    if (args != command) continue;
    std::ifstream cgroup(it->path() / "cgroup");
    std::string text((std::istreambuf_iterator<char>(cgroup)), std::istreambuf_iterator<char>());
    if (text.find("freezer:/" + root + "/") == std::string::npos) continue;
    return static_cast<pid_t>(std::stol(it->path().filename().string()));
  }
  return -1;
}

// A task whose shell starts a process that leaves its session (setsid) and
// is orphaned (its parent exits at once); killing the task must end it too.
void doubleForkedProcessDiesWithItsTask(Cluster& cluster, const std::string& root) {
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("fork"));
  scheduler.subscribe();
  scheduler.launch({commandTask("forker", "setsid sh -c 'sleep 1001 &' & sleep 1000")});
  scheduler.waitFor("forker", v1::TASK_RUNNING);
  pid_t escaped = -1;
  ASSERT_TRUE(eventually([&] { return (escaped = findInContainers(root, {"sleep", "1001"})) > 0; }));
  EXPECT_NE(::getsid(escaped), ::getsid(findInContainers(root, {"sleep", "1000"})));  // it left the session
  scheduler.run([](auto& c) {
    v1::TaskID id;
    id.set_value("forker");
    c.kill(id);
  });
  scheduler.waitFor("forker", v1::TASK_KILLED);
  EXPECT_TRUE(processGone(escaped)) << "pid " << escaped << " outlived its task";
}

TEST_F(IsolationClusterTest, DoubleForkedProcessDiesWithItsTaskThroughTheCgroup) {
  Cluster cluster;
  addAgent(cluster, "cgroups/cpu,cgroups/mem");
  doubleForkedProcessDiesWithItsTask(cluster, root_);
  EXPECT_TRUE(eventually([&] { return cgroupsLeft("freezer") == 0; }));
}

TEST_F(IsolationClusterTest, DoubleForkedProcessDiesWithItsPidNamespace) {
  Cluster cluster;
  addAgent(cluster, "cgroups/mem,namespaces/pid");
  doubleForkedProcessDiesWithItsTask(cluster, root_);
  EXPECT_TRUE(eventually([&] { return cgroupsLeft("freezer") == 0; }));
}

TEST_F(IsolationClusterTest, TaskIsTheChildOfPidOneAndSeesItsOwnProc) {
  Cluster cluster;
  addAgent(cluster, "namespaces/pid");
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("pid"));
  scheduler.subscribe();
  scheduler.launch({commandTask("ns", "echo $PPID > ppid; ls /proc | grep -c '^[0-9]' > procs")});
  auto states = scheduler.untilTerminal({"ns"});
  EXPECT_EQ(states["ns"].back().state(), v1::TASK_FINISHED) << states["ns"].back().message();
  EXPECT_EQ(sandboxFile(cluster.workDir(), "ppid"), "1");
  // The executor, the task's shell and ls, give or take: not the host's.
  int procs = std::stoi(sandboxFile(cluster.workDir(), "procs"));
  EXPECT_LE(procs, 5);
}

TEST_F(IsolationClusterTest, FilesystemLinuxGivesTheTaskAPrivateTmp) {
  Cluster cluster;
  addAgent(cluster, "filesystem/linux");
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("tmp"));
  scheduler.subscribe();
  std::string name = "tepui-private-" + std::to_string(::getpid());
  scheduler.launch({commandTask("tmp", "echo mine > /tmp/" + name + " && cp /tmp/" + name + " copied")});
  auto states = scheduler.untilTerminal({"tmp"});
  EXPECT_EQ(states["tmp"].back().state(), v1::TASK_FINISHED) << states["tmp"].back().message();
  EXPECT_EQ(sandboxFile(varTmp_, "copied"), "mine");
  EXPECT_EQ(sandboxFile(varTmp_, name), "mine");  // it is the sandbox's tmp/
  EXPECT_FALSE(fs::exists("/tmp/" + name));
}

TEST_F(IsolationClusterTest, StatisticsReportWhatTheContainerWasGivenAndUses) {
  Cluster cluster;
  addAgent(cluster, "cgroups/cpu,cgroups/mem,namespaces/pid");
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("stats"));
  scheduler.subscribe();
  scheduler.launch(
      {commandTask("busy", "python3 -c \"x = b'x' * (20 << 20); import time; time.sleep(600)\"", 0.5, 128)});
  scheduler.waitFor("busy", v1::TASK_RUNNING);
  boost::json::object stats;
  ASSERT_TRUE(eventually([&] {
    auto all = statistics(cluster, 0);
    if (all.size() != 1) return false;
    stats = all[0].as_object().at("statistics").as_object();
    return stats.at("mem_rss_bytes").to_number<uint64_t>() > (20u << 20);
  }));
  EXPECT_DOUBLE_EQ(stats.at("cpus_limit").to_number<double>(), 0.6);
  EXPECT_EQ(stats.at("mem_limit_bytes").to_number<uint64_t>(), (128u + 32u) << 20);
  EXPECT_LT(stats.at("mem_rss_bytes").to_number<uint64_t>(), (128u + 32u) << 20);
  EXPECT_GE(stats.at("processes").to_number<uint32_t>(), 2u);  // the executor and python
  EXPECT_GE(stats.at("threads").to_number<uint32_t>(), stats.at("processes").to_number<uint32_t>());
  EXPECT_GT(stats.at("timestamp").to_number<double>(), 1.6e9);

  // The operator API's GET_CONTAINERS says the same.
  auto answer = agentRequest(cluster, 0, "/api/v1", R"({"type": "GET_CONTAINERS"})");
  ASSERT_TRUE(answer && answer->status == 200) << (answer ? answer->body : "no answer");
  auto containers = boost::json::parse(answer->body).at("get_containers").at("containers").as_array();
  ASSERT_EQ(containers.size(), 1u);
  auto& container = containers[0].as_object();
  EXPECT_EQ(container.at("executor_id").at("value").as_string(), "busy");
  EXPECT_FALSE(container.at("container_id").at("value").as_string().empty());
  EXPECT_EQ(container.at("resource_statistics").at("mem_limit_bytes").to_number<uint64_t>(), (128u + 32u) << 20);
  auto unknown = agentRequest(cluster, 0, "/api/v1", R"({"type": "LAUNCH_CONTAINER"})");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 501);
  EXPECT_EQ(unknown->body, "The agent call LAUNCH_CONTAINER is not served by this Tepui agent\n");
  auto malformed = agentRequest(cluster, 0, "/api/v1", R"({"type": 7.5)");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
}

// A command task with disk and ports besides cpus and mem.
v1::TaskInfo taskWith(const std::string& id, const std::string& command, const std::string& more) {
  v1::TaskInfo task = commandTask(id, command, 0.1, 64);
  Resources::parse(more)->copyTo(task.mutable_resources());
  return task;
}

TEST_F(IsolationClusterTest, TaskOverItsDiskIsKilledWithTheDiskReason) {
  Cluster cluster;
  addAgent(cluster, "posix/cpu,posix/mem,disk/du", false, [](agent::AgentFlags& f) {
    f.container_disk_watch_interval = Seconds(0.1);
    f.enforce_container_disk_quota = true;
  });
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("disk"));
  scheduler.subscribe();
  scheduler.launch({taskWith("hog", "dd if=/dev/zero of=fill bs=1M count=24 && sleep 1000", "disk:8")});
  auto states = scheduler.untilTerminal({"hog"});
  const auto& last = states["hog"].back();
  EXPECT_EQ(last.state(), v1::TASK_FAILED);
  EXPECT_EQ(last.reason(), v1::TaskStatus::REASON_CONTAINER_LIMITATION_DISK) << last.message();
  EXPECT_NE(last.message().find("exceeds quota (8MB)"), std::string::npos) << last.message();
  ASSERT_EQ(last.limitation().resources_size(), 1);
  EXPECT_EQ(last.limitation().resources(0).name(), "disk");
}

TEST_F(IsolationClusterTest, TaskListeningOutsideItsPortsIsKilledAndOneInsideIsNot) {
  Cluster cluster;
  addAgent(cluster, "network/ports", false, [](agent::AgentFlags& f) {
    f.container_ports_watch_interval = Seconds(0.1);
    f.enforce_container_ports = true;
  });
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("ports"));
  scheduler.subscribe();
  auto serve = [](int port) { return "exec python3 -m http.server " + std::to_string(port) + " --bind 127.0.0.1"; };
  scheduler.launch({taskWith("outside", serve(31050), "ports:[31000-31000]"),
                    taskWith("inside", serve(31001), "ports:[31001-31001]")});
  scheduler.waitFor("inside", v1::TASK_RUNNING);
  auto failed = scheduler.waitFor("outside", v1::TASK_FAILED);
  EXPECT_EQ(failed.reason(), v1::TaskStatus::REASON_CONTAINER_LIMITATION) << failed.message();
  EXPECT_EQ(failed.message(), "Container is listening on port(s) 31050 it was not given");
  // Many checks later, the task on its own port still runs.
  std::this_thread::sleep_for(1s);
  auto more = scheduler.poll({Event::UPDATE}, 100ms);
  EXPECT_FALSE(more && more->update().status().task_id().value() == "inside" &&
               isTerminalState(more->update().status().state()));
}

// posix/rlimits needs neither root nor cgroups.
TEST(RlimitsClusterTest, TaskRunsUnderTheRlimitsOfItsContainerInfo) {
  Cluster cluster;
  cluster.addAgent("cpus:4;mem:4096", [](agent::AgentFlags& f) { f.isolation = "posix/cpu,posix/mem,posix/rlimits"; });
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("rlimits"));
  scheduler.subscribe();
  v1::TaskInfo limited = commandTask("limited", "ulimit -n > nofile; ulimit -c > core");
  limited.mutable_container()->set_type(v1::ContainerInfo::MESOS);
  auto* nofile = limited.mutable_container()->mutable_rlimit_info()->add_rlimits();
  nofile->set_type(v1::RLimitInfo::RLimit::RLMT_NOFILE);
  nofile->set_soft(64);
  nofile->set_hard(128);
  limited.mutable_container()->mutable_rlimit_info()->add_rlimits()->set_type(v1::RLimitInfo::RLimit::RLMT_CORE);
  v1::TaskInfo invalid = commandTask("invalid", "true");
  invalid.mutable_container()->set_type(v1::ContainerInfo::MESOS);
  auto* half = invalid.mutable_container()->mutable_rlimit_info()->add_rlimits();
  half->set_type(v1::RLimitInfo::RLimit::RLMT_NOFILE);
  half->set_soft(64);
  scheduler.launch({limited, invalid});
  auto states = scheduler.untilTerminal({"limited", "invalid"});
  EXPECT_EQ(states["limited"].back().state(), v1::TASK_FINISHED) << states["limited"].back().message();
  EXPECT_EQ(sandboxFile(cluster.workDir(), "nofile"), "64");
  EXPECT_EQ(sandboxFile(cluster.workDir(), "core"), "unlimited");
  const auto& failed = states["invalid"].back();
  EXPECT_EQ(failed.state(), v1::TASK_FAILED);
  EXPECT_EQ(failed.reason(), v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
  EXPECT_NE(failed.message().find("rlimit_info: RLMT_NOFILE needs both 'soft' and 'hard', or neither (unlimited)"),
            std::string::npos)
      << failed.message();
}

TEST_F(IsolationClusterTest, NoCgroupIsLeftAfterManyTasks) {
  Cluster cluster;
  addAgent(cluster, "cgroups/cpu,cgroups/mem,namespaces/pid");
  TestScheduler scheduler(cluster.masterEndpoint(), frameworkInfo("many"));
  scheduler.subscribe();
  std::set<std::string> ids;
  std::vector<v1::TaskInfo> tasks;
  for (int i = 0; i < 40; ++i) {
    ids.insert("t" + std::to_string(i));
    tasks.push_back(commandTask("t" + std::to_string(i), "true", 0.05, 16));
  }
  scheduler.launch(tasks);
  auto states = scheduler.untilTerminal(ids, 60s);
  for (auto& [id, seen] : states) EXPECT_EQ(seen.back().state(), v1::TASK_FINISHED) << id;
  for (const char* h : {"freezer", "cpu", "cpuacct", "memory"}) {
    EXPECT_TRUE(eventually([&] { return cgroupsLeft(h) == 0; })) << cgroupsLeft(h) << " left in " << h;
  }
}

}  // namespace
}  // namespace tepui::testing
