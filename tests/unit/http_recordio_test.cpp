// RecordIO framing: encoding, decoding across arbitrary chunk boundaries,
// and the errors that stop a decoder for good.
#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "http/recordio.hpp"

namespace tepui::http::recordio {
namespace {

std::vector<std::string> sampleRecords() {
  std::string binary;
  for (int i = 0; i < 300; ++i) binary.push_back(static_cast<char>(i % 256));  // has '\n' and '\0'
  return {"x", R"({"type":"HEARTBEAT"})", binary, "1234567890\n"};
}

std::string encodeAll(const std::vector<std::string>& records) {
  std::string out;
  for (const auto& r : records) out += encode(r);
  return out;
}

TEST(RecordIO, EncodesLengthNewlineBytes) {
  EXPECT_EQ(encode(R"({"type":"HEARTBEAT"})"), "20\n{\"type\":\"HEARTBEAT\"}");
  EXPECT_EQ(encode("a\nb"), "3\na\nb");
  EXPECT_EQ(encode(""), "");  // zero-length records do not exist
}

TEST(RecordIO, DecodesAcrossEverySplitPoint) {
  auto records = sampleRecords();
  std::string wire = encodeAll(records);
  for (size_t i = 0; i <= wire.size(); ++i) {
    for (size_t j = i; j <= wire.size(); ++j) {
      Decoder decoder;
      std::vector<std::string> out;
      std::string_view all(wire);
      ASSERT_TRUE(decoder.feed(all.substr(0, i), out).ok());
      ASSERT_TRUE(decoder.feed(all.substr(i, j - i), out).ok());
      ASSERT_TRUE(decoder.feed(all.substr(j), out).ok());
      ASSERT_EQ(out, records) << "split at " << i << " and " << j;
      ASSERT_TRUE(decoder.idle());
    }
  }
}

TEST(RecordIO, DecodesOneByteAtATime) {
  auto records = sampleRecords();
  std::string wire = encodeAll(records);
  std::set<size_t> boundaries;  // offsets just past each record
  size_t offset = 0;
  for (const auto& r : records) boundaries.insert(offset += encode(r).size());
  Decoder decoder;
  std::vector<std::string> out;
  for (size_t i = 0; i < wire.size(); ++i) {
    ASSERT_TRUE(decoder.feed(std::string_view(wire).substr(i, 1), out).ok());
    EXPECT_EQ(decoder.idle(), boundaries.count(i + 1) == 1) << "after byte " << i;
  }
  EXPECT_EQ(out, records);
  EXPECT_TRUE(decoder.idle());
}

TEST(RecordIO, IdleOnlyBetweenRecords) {
  Decoder decoder;
  std::vector<std::string> out;
  EXPECT_TRUE(decoder.idle());
  ASSERT_TRUE(decoder.feed("5\nab", out).ok());
  EXPECT_FALSE(decoder.idle());
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(decoder.feed("cde1", out).ok());
  EXPECT_EQ(out, std::vector<std::string>{"abcde"});
  EXPECT_FALSE(decoder.idle());  // "1" of the next length is buffered
  ASSERT_TRUE(decoder.feed("\nz", out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"abcde", "z"}));
  EXPECT_TRUE(decoder.idle());
}

TEST(RecordIO, RejectsNonDigitLengthPrefix) {
  for (std::string bad : {"{\"type\":1}", "-5\nabcde", " 5\nabcde", "5 \nabcde", "0x5\nabcde"}) {
    Decoder decoder;
    std::vector<std::string> out;
    auto status = decoder.feed(bad, out);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.error().message.find("length prefix"), std::string::npos) << status.error().message;
    EXPECT_TRUE(out.empty());
  }
}

TEST(RecordIO, RejectsZeroAndEmptyLengths) {
  for (std::string bad : {"0\n", "00\nx", "\nabc"}) {
    Decoder decoder;
    std::vector<std::string> out;
    EXPECT_FALSE(decoder.feed(bad, out).ok()) << bad;
  }
}

TEST(RecordIO, RejectsRecordsOverTheLimitBeforeBufferingThem) {
  Decoder decoder(100);
  std::vector<std::string> out;
  ASSERT_TRUE(decoder.feed(encode(std::string(100, 'a')), out).ok());
  EXPECT_EQ(out.size(), 1u);
  // Refused as soon as the length is known, before any of the body arrives.
  auto status = decoder.feed("101", out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("limit of 100 bytes"), std::string::npos) << status.error().message;
}

TEST(RecordIO, RejectsOverlongLengthLine) {
  Decoder decoder(std::numeric_limits<size_t>::max());
  std::vector<std::string> out;
  auto status = decoder.feed(std::string(21, '1'), out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("longer than 20 digits"), std::string::npos) << status.error().message;

  Decoder overflowing(std::numeric_limits<size_t>::max());
  EXPECT_FALSE(overflowing.feed(std::string(20, '9') + "\n", out).ok());  // above 2^64
}

TEST(RecordIO, ErrorSticks) {
  Decoder decoder;
  std::vector<std::string> out;
  auto first = decoder.feed("3\nabcX\n", out);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(out, std::vector<std::string>{"abc"});  // records before the error still count
  auto again = decoder.feed("3\nabc", out);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, first.error().message);
  EXPECT_EQ(out.size(), 1u);
}

}  // namespace
}  // namespace tepui::http::recordio
