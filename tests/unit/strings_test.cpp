// splitNonEmpty, which the flag parsers share.
#include "common/strings.hpp"

#include <gtest/gtest.h>

namespace tepui {
namespace {

TEST(StringsTest, SplitLeavesOutEmptyPieces) {
  EXPECT_EQ(splitNonEmpty("a,,b,", ','), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(splitNonEmpty("", ','), (std::vector<std::string>{}));
  EXPECT_EQ(splitNonEmpty("cpu memory", ' '), (std::vector<std::string>{"cpu", "memory"}));
  EXPECT_EQ(splitNonEmpty("one", ';'), (std::vector<std::string>{"one"}));
}

}  // namespace
}  // namespace tepui
