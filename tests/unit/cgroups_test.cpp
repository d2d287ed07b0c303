// Unit tests of the containerizer's pure parts: finding the cgroup
// hierarchies in a mounts table and choosing v1 or v2; the v2 cgroups'
// files (on a directory tree standing in for cgroupfs, since this machine
// has its cpu and memory controllers on v1: the cluster tests use those
// for real); the cpu.shares to cpu.weight mapping; what a container was
// given, limits included; and --isolation checking.
#include "containerizer/cgroups.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/resources.hpp"
#include "containerizer/containerizer.hpp"
#include "containerizer/disk_usage.hpp"
#include "containerizer/listening_ports.hpp"

namespace tepui::containerizer {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() /
              ("tepui-cgroups-" + std::to_string(::getpid()) + "-" + std::to_string(n_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  static inline int n_ = 0;
};

void writeFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(CgroupMountsTest, ReadsV1ControllersAndTheV2HierarchyWithItsControllers) {
  TempDir dir;
  writeFile(dir.path() / "unified/cgroup.controllers", "cpu memory pids\n");
  writeFile(dir.path() / "mounts",
            "cgroup /sys/fs/cgroup/cpu cgroup rw,nosuid,relatime,cpu 0 0\n"
            "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n"
            "cgroup /sys/fs/cgroup/systemd cgroup rw,name=systemd 0 0\n"
            "cgroup2 " +
                (dir.path() / "unified").string() +
                " cgroup2 rw 0 0\n"
                "proc /proc proc rw 0 0\n");
  auto mounts = readCgroupMounts((dir.path() / "mounts").string());
  EXPECT_EQ(mounts.v1.size(), 2u);
  EXPECT_EQ(mounts.v1.at("cpu"), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(mounts.v1.at("memory"), "/sys/fs/cgroup/memory");
  ASSERT_TRUE(mounts.v2);
  EXPECT_EQ(mounts.v2Controllers, (std::set<std::string>{"cpu", "memory", "pids"}));
}

TEST(CgroupMountsTest, PrefersV1WhenEveryHierarchyIsThereElseV2ElseSaysWhatIsMissing) {
  CgroupMounts v1;
  v1.v1 = {{"cpu", "/c"}, {"cpuacct", "/a"}, {"memory", "/m"}, {"freezer", "/f"}};
  auto chosen = openCgroups(v1, {Controller::CPU, Controller::MEMORY}, "tepui");
  ASSERT_TRUE(chosen) << chosen.error().message;
  EXPECT_EQ((*chosen)->describe(), "cgroups v1 (cpu,cpuacct,freezer,memory)");

  CgroupMounts v2;
  v2.v2 = "/sys/fs/cgroup";
  v2.v2Controllers = {"cpu", "memory"};
  chosen = openCgroups(v2, {Controller::CPU, Controller::MEMORY}, "tepui");
  ASSERT_TRUE(chosen) << chosen.error().message;
  EXPECT_EQ((*chosen)->describe(), "cgroups v2 (cpu memory) at /sys/fs/cgroup");

  CgroupMounts neither;
  neither.v1 = {{"freezer", "/f"}};
  neither.v2 = "/sys/fs/cgroup/unified";
  neither.v2Controllers = {"hugetlb"};
  chosen = openCgroups(neither, {Controller::MEMORY}, "tepui");
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().message,
            "the cgroups v1 hierarchies memory are not mounted and the cgroups v2 hierarchy at "
            "/sys/fs/cgroup/unified lacks the memory controller(s)");
}

TEST(CgroupsV2Test, CreatesEnablesLimitsAndMeasuresThroughItsFiles) {
  TempDir dir;
  std::string mount = dir.path().string();
  writeFile(dir.path() / "cgroup.subtree_control", "");
  writeFile(dir.path() / "tepui/cgroup.subtree_control", "");
  CgroupMounts mounts;
  mounts.v2 = mount;
  mounts.v2Controllers = {"cpu", "memory"};
  auto cgroups = openCgroups(mounts, {Controller::CPU, Controller::MEMORY}, "tepui");
  ASSERT_TRUE(cgroups);
  ASSERT_TRUE((*cgroups)->create("c1"));
  EXPECT_EQ(readFile(dir.path() / "cgroup.subtree_control"), "+cpu +memory");
  EXPECT_EQ(readFile(dir.path() / "tepui/cgroup.subtree_control"), "+cpu +memory");
  fs::path c1 = dir.path() / "tepui/c1";
  ASSERT_TRUE(fs::is_directory(c1));
  for (const char* f : {"cpu.weight", "cpu.max", "memory.max", "cgroup.procs"}) writeFile(c1 / f, "");

  CgroupLimits limits;
  limits.cpuShares = 1.0;
  limits.cpuQuota = 0.5;
  limits.memoryBytes = 96u << 20;
  ASSERT_TRUE((*cgroups)->limit("c1", limits));
  EXPECT_EQ(readFile(c1 / "cpu.weight"), std::to_string(sharesToWeight(1024)));
  EXPECT_EQ(readFile(c1 / "cpu.max"), "50000 100000");
  EXPECT_EQ(readFile(c1 / "memory.max"), std::to_string(96u << 20));
  limits.cpuQuota.reset();
  ASSERT_TRUE((*cgroups)->limit("c1", limits));
  EXPECT_EQ(readFile(c1 / "cpu.max"), "max 100000");

  auto joined = (*cgroups)->joinFiles("c1");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->size(), 1u);

  writeFile(c1 / "cpu.stat",
            "usage_usec 3500000\nuser_usec 2500000\nsystem_usec 1000000\nnr_periods 40\n"
            "nr_throttled 7\nthrottled_usec 250000\n");
  writeFile(c1 / "memory.stat", "anon 1048576\nfile 2097152\nkernel 4096\n");
  writeFile(c1 / "memory.current", "3145728\n");
  writeFile(c1 / "memory.peak", "4194304\n");
  writeFile(c1 / "memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n");
  writeFile(c1 / "cgroup.procs", "100\n101\n");
  writeFile(c1 / "cgroup.threads", "100\n101\n102\n");
  writeFile(c1 / "memory.max", "100663296\n");
  auto usage = (*cgroups)->usage("c1");
  ASSERT_TRUE(usage) << usage.error().message;
  EXPECT_DOUBLE_EQ(usage->userSeconds, 2.5);
  EXPECT_DOUBLE_EQ(usage->systemSeconds, 1.0);
  EXPECT_EQ(usage->periods, 40u);
  EXPECT_EQ(usage->throttledPeriods, 7u);
  EXPECT_DOUBLE_EQ(usage->throttledSeconds, 0.25);
  EXPECT_EQ(usage->rssBytes, 1048576u);
  EXPECT_EQ(usage->cacheBytes, 2097152u);
  EXPECT_EQ(usage->memoryBytes, 3145728u);
  EXPECT_EQ(usage->maxMemoryBytes, 4194304u);
  EXPECT_EQ(usage->memoryLimitBytes, 100663296u);
  EXPECT_EQ(usage->oomKills, 1u);
  EXPECT_EQ(usage->processes, 2u);
  EXPECT_EQ(usage->threads, 3u);
  EXPECT_EQ((*cgroups)->processes("c1"), (std::vector<pid_t>{100, 101}));
  EXPECT_EQ((*cgroups)->list(), (std::set<std::string>{"c1"}));
}

TEST(CgroupsV2Test, SharesMapOntoTheWeightRangeAsOciRuntimesDo) {
  EXPECT_EQ(sharesToWeight(2), 1u);
  EXPECT_EQ(sharesToWeight(262144), 10000u);
  EXPECT_EQ(sharesToWeight(1024), 39u);
  EXPECT_EQ(sharesToWeight(0), 1u);  // clamped
}

v1::TaskInfo task(const std::string& resources, std::map<std::string, double> limits = {}) {
  v1::TaskInfo t;
  Resources::parse(resources)->copyTo(t.mutable_resources());
  for (auto& [name, value] : limits) (*t.mutable_limits())[name].set_value(value);
  return t;
}

TEST(ContainerResourcesTest, SumsWhatTasksAskForAndTheirLimits) {
  ContainerResources given;
  auto a = task("cpus:1;mem:64;disk:10;ports:[31000-31001]");
  given.add(a.resources(), &a.limits());
  EXPECT_DOUBLE_EQ(given.cpus, 1.0);
  EXPECT_EQ(given.memBytes, 64u << 20);
  EXPECT_EQ(given.diskBytes, 10u << 20);
  ASSERT_EQ(given.ports.size(), 1u);
  EXPECT_EQ(given.ports[0], (std::pair<uint64_t, uint64_t>{31000, 31001}));
  EXPECT_FALSE(given.cpuLimit);
  EXPECT_FALSE(given.memLimitBytes);

  // A limit on one task: the others are limited to what they asked for.
  auto b = task("cpus:0.5;mem:32", {{"cpus", 2.0}, {"mem", 128}});
  given.add(b.resources(), &b.limits());
  EXPECT_DOUBLE_EQ(*given.cpuLimit, 3.0);
  EXPECT_EQ(*given.memLimitBytes, (64u + 128u) << 20);
  auto c = task("cpus:0.25;mem:16");
  given.add(c.resources(), &c.limits());
  EXPECT_DOUBLE_EQ(*given.cpuLimit, 3.25);
  EXPECT_EQ(*given.memLimitBytes, (64u + 128u + 16u) << 20);

  auto unlimited = task("cpus:0.1", {{"cpus", std::numeric_limits<double>::infinity()}});
  given.add(unlimited.resources(), &unlimited.limits());
  EXPECT_TRUE(given.unlimitedCpu);
  EXPECT_FALSE(given.unlimitedMem);
}

TEST(IsolationFlagTest, KnownIsolatorsPassAndAnUnknownOneIsNamed) {
  auto ok = parseIsolation("cgroups/cpu,cgroups/mem,namespaces/pid,filesystem/linux,disk/du");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), 5u);
  auto bad = parseIsolation("cgroups/cpu,gpu/nvidia");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("unknown isolator 'gpu/nvidia' in --isolation (known: ", 0), 0u)
      << bad.error().message;
}

TEST(IsolationFlagTest, OnlyTheMesosContainerizerIsOffered) {
  boost::asio::io_context io;
  IsolationOptions options;
  options.containerizers = "docker,mesos";
  auto made = Containerizer::create(io, options);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().message,
            "--containerizers: 'docker' is not supported; Tepui runs containers itself ('mesos')");
  options.containerizers = "mesos";
  made = Containerizer::create(io, options);
  ASSERT_TRUE(made);
  EXPECT_EQ((*made)->describe(), "posix");
}

TEST(IsolationFlagTest, FilesystemLinuxRefusesAWorkDirUnderTmp) {
  if (::geteuid() != 0) GTEST_SKIP() << "the Linux containerizer needs root";
  boost::asio::io_context io;
  IsolationOptions options;
  options.isolation = "filesystem/linux";
  options.workDir = "/tmp/tepui-agent";
  auto made = Containerizer::create(io, options);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().message,
            "filesystem/linux gives each container a private /tmp, which would hide its sandbox: --work_dir "
            "(/tmp/tepui-agent) must not be under /tmp");
}

TEST(ListeningPortsTest, FindsListeningSocketsAndThePortsNotGiven) {
  TempDir dir;
  writeFile(dir.path() / "tcp",
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            "   0: 0100007F:7A3A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1\n"
            "   1: 0100007F:7A3B 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 4243 1\n");
  writeFile(dir.path() / "tcp6",
            "  sl  local_address                         remote_address                        st tx_queue rx_queue "
            "tr tm->when retrnsmt   uid  timeout inode\n"
            "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A "
            "00000000:00000000 00:00000000 00000000     0        0 5151 1\n");
  auto sockets = listeningSockets(dir.path().string());
  EXPECT_EQ(sockets, (std::map<uint64_t, uint16_t>{{4242, 31290}, {5151, 8080}}));
  EXPECT_EQ(unallocatedPorts({8080, 31000, 31290}, {{31000, 31100}}, {}), (std::vector<uint16_t>{8080, 31290}));
  EXPECT_EQ(unallocatedPorts({8080, 31290}, {{31000, 31100}}, {{31000, 32000}}), (std::vector<uint16_t>{31290}));
  EXPECT_EQ(formatPorts({31000, 31001, 31002, 31005}), "31000-31002,31005");
}

TEST(DiskUsageTest, CountsBlocksWithoutFollowingLinks) {
  TempDir dir;
  writeFile(dir.path() / "a/data", std::string(256 * 1024, 'x'));
  fs::create_directory_symlink("/usr", dir.path() / "volume");
  uint64_t used = diskUsage(dir.path().string());
  EXPECT_GE(used, 256u * 1024);
  EXPECT_LT(used, 1024u * 1024);  // /usr, behind the link, is not counted
}

}  // namespace
}  // namespace tepui::containerizer
