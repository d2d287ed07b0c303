// Parsing /proc/loadavg and /proc/meminfo for the system/* metrics, and
// the keys read from this machine's /proc.
#include "common/system_metrics.hpp"

#include <gtest/gtest.h>

namespace tepui::metrics {
namespace {

TEST(SystemMetricsTest, LoadAverageIsTheFirstThreeFields) {
  auto load = parseLoadAverage("0.52 1.25 2.00 3/512 12345\n");
  ASSERT_TRUE(load);
  EXPECT_DOUBLE_EQ(load->one, 0.52);
  EXPECT_DOUBLE_EQ(load->five, 1.25);
  EXPECT_DOUBLE_EQ(load->fifteen, 2.0);
  EXPECT_FALSE(parseLoadAverage(""));
  EXPECT_FALSE(parseLoadAverage("busy"));
}

TEST(SystemMetricsTest, MemoryIsTotalAndAvailableInBytes) {
  auto memory = parseMemory("MemTotal:       1000 kB\nMemFree:          100 kB\nMemAvailable:     400 kB\n");
  ASSERT_TRUE(memory);
  EXPECT_DOUBLE_EQ(memory->totalBytes, 1000.0 * 1024);
  EXPECT_DOUBLE_EQ(memory->freeBytes, 400.0 * 1024);
  // Without MemAvailable (old kernels): MemFree.
  memory = parseMemory("MemTotal: 1000 kB\nMemFree: 100 kB\n");
  ASSERT_TRUE(memory);
  EXPECT_DOUBLE_EQ(memory->freeBytes, 100.0 * 1024);
  EXPECT_FALSE(parseMemory("MemFree: 100 kB\n"));
  EXPECT_FALSE(parseMemory("garbage"));
}

TEST(SystemMetricsTest, ThisMachineHasEveryKey) {
  Snapshot s;
  addSystemMetrics(s);
  auto v = s.values();
  for (const char* key : {"system/cpus_total", "system/load_1min", "system/load_5min", "system/load_15min",
                          "system/mem_total_bytes", "system/mem_free_bytes"}) {
    EXPECT_EQ(v.count(key), 1u) << key;
  }
  EXPECT_GE(v["system/cpus_total"], 1);
  EXPECT_GT(v["system/mem_total_bytes"], v["system/mem_free_bytes"]);
}

}  // namespace
}  // namespace tepui::metrics
