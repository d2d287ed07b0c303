// The command line's text tables and cell formats (src/cli/table.hpp).
#include <gtest/gtest.h>

#include "cli/table.hpp"

namespace tepui::cli {
namespace {

using Align = Table::Align;

TEST(CliTableTest, ColumnsAreAlignedToTheirWidestCellWithoutTrailingSpaces) {
  Table table({{"ID"}, {"NAME"}, {"CPUS", Align::RIGHT}});
  table.add({"a", "web-server", "0.5"});
  table.add({"long-id", "db", "12"});
  EXPECT_EQ(table.render(),
            "ID       NAME        CPUS\n"
            "a        web-server   0.5\n"
            "long-id  db            12\n");
}

TEST(CliTableTest, ShortRowsGetEmptyCellsAndAnEmptyTableIsItsHeader) {
  Table table({{"A"}, {"B"}, {"C"}});
  EXPECT_EQ(table.render(), "A  B  C\n");
  table.add({"x"});
  EXPECT_EQ(table.render(), "A  B  C\nx\n");
}

TEST(CliTableTest, WidthCountsCharactersNotBytes) {
  Table table({{"NAME"}, {"N"}});
  table.add({"caf\xc3\xa9", "1"});  // 4 characters, 5 bytes
  EXPECT_EQ(table.render(), "NAME  N\ncaf\xc3\xa9  1\n");
}

TEST(CliTableTest, FieldsAlignTheirValues) {
  EXPECT_EQ(renderFields({{"Task", "t1"}, {"Framework", "f (name)"}, {"Labels", ""}}),
            "Task:       t1\n"
            "Framework:  f (name)\n"
            "Labels:\n");
}

TEST(CliTableTest, AmountsKeepAtMostThreeDecimals) {
  EXPECT_EQ(formatAmount(8), "8");
  EXPECT_EQ(formatAmount(0.25), "0.25");
  EXPECT_EQ(formatAmount(1.0 / 3), "0.333");
  EXPECT_EQ(formatAmount(0.0001), "0");
  EXPECT_EQ(usedOfTotal(0.5, 8, formatAmount), "0.5 / 8");
}

TEST(CliTableTest, MegabytesUseTheLargestUnitThatKeepsOneOrMore) {
  EXPECT_EQ(formatMegabytes(0), "0 MB");
  EXPECT_EQ(formatMegabytes(512), "512 MB");
  EXPECT_EQ(formatMegabytes(32.5), "32.5 MB");
  EXPECT_EQ(formatMegabytes(4096), "4 GB");
  EXPECT_EQ(formatMegabytes(1536), "1.5 GB");
  EXPECT_EQ(formatMegabytes(3 * 1024 * 1024), "3 TB");
}

TEST(CliTableTest, TimesAreUtcWithMilliseconds) {
  EXPECT_EQ(formatTime(0), "1970-01-01 00:00:00.000");
  EXPECT_EQ(formatTime(1796225201.25), "2026-12-02 15:26:41.250");
  EXPECT_EQ(formatTime(59.9996), "1970-01-01 00:01:00.000");
}

}  // namespace
}  // namespace tepui::cli
