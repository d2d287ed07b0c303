// The agent's byte sizes (--fetcher_cache_size): Mesos's units, any case,
// powers of 1024; a bare number of bytes; everything else refused.
#include "agent/byte_size.hpp"

#include <gtest/gtest.h>

namespace tepui::agent {
namespace {

TEST(ByteSize, MesosUnitsAreCaseInsensitivePowersOf1024) {
  EXPECT_EQ(*parseByteSize("2GB"), 2ULL << 30);
  EXPECT_EQ(*parseByteSize("512mb"), 512ULL << 20);
  EXPECT_EQ(*parseByteSize("1.5KB"), 1536u);
  EXPECT_EQ(*parseByteSize("3TB"), 3ULL << 40);
  EXPECT_EQ(*parseByteSize("10B"), 10u);
  EXPECT_EQ(*parseByteSize("0GB"), 0u);
}

TEST(ByteSize, ABareNumberIsBytes) {
  EXPECT_EQ(*parseByteSize("1048576"), 1048576u);
  EXPECT_EQ(*parseByteSize("0"), 0u);
}

TEST(ByteSize, AnythingElseIsRefusedWithTheText) {
  for (const char* bad : {"", "GB", "-1GB", "1.2.3MB", "2 GB", "2GiB", "lots", "1e3"}) {
    auto parsed = parseByteSize(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().message,
              "invalid byte size '" + std::string(bad) + "': expected a number and B, KB, MB, GB or TB");
  }
  EXPECT_FALSE(parseByteSize("99999999999TB"));
}

}  // namespace
}  // namespace tepui::agent
