// Unit tests for the agent --attributes parser and the Value text helpers
// shared with resources (src/common/attributes.hpp).
#include "common/attributes.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace tepui {
namespace {

std::vector<v1::Attribute> A(const std::string& text) {
  auto parsed = parseAttributes(text);
  if (!parsed) {
    ADD_FAILURE() << "parseAttributes('" << text << "'): " << parsed.error().message;
    return {};
  }
  return *parsed;
}

std::string attributeError(const std::string& text) {
  auto parsed = parseAttributes(text);
  return parsed ? std::string("<ok>") : parsed.error().message;
}

TEST(AttributesParse, EachType) {
  auto attributes = A("rack:a;zone:b;cores:4;ports:[1-10];tags:{x,y}");
  ASSERT_EQ(attributes.size(), 5u);
  EXPECT_EQ(attributes[0].name(), "rack");
  EXPECT_EQ(attributes[0].type(), v1::Value::TEXT);
  EXPECT_EQ(attributes[0].text().value(), "a");
  EXPECT_EQ(attributes[1].text().value(), "b");
  EXPECT_EQ(attributes[2].type(), v1::Value::SCALAR);
  EXPECT_EQ(attributes[2].scalar().value(), 4.0);
  EXPECT_EQ(attributes[3].type(), v1::Value::RANGES);
  ASSERT_EQ(attributes[3].ranges().range_size(), 1);
  EXPECT_EQ(attributes[3].ranges().range(0).begin(), 1u);
  EXPECT_EQ(attributes[3].ranges().range(0).end(), 10u);
  EXPECT_EQ(attributes[4].type(), v1::Value::SET);
  ASSERT_EQ(attributes[4].set().item_size(), 2);
  EXPECT_EQ(attributes[4].set().item(0), "x");
  EXPECT_EQ(attributes[4].set().item(1), "y");
  for (const auto& a : attributes) {
    EXPECT_EQ(a.has_scalar(), a.type() == v1::Value::SCALAR);
    EXPECT_EQ(a.has_ranges(), a.type() == v1::Value::RANGES);
    EXPECT_EQ(a.has_set(), a.type() == v1::Value::SET);
    EXPECT_EQ(a.has_text(), a.type() == v1::Value::TEXT);
  }
}

TEST(AttributesParse, NumbersAndText) {
  auto attributes = A("a:0.5;b:-3;c:1e3;d:1.2.3;e:nan;f:inf;g:0x10;h:+1;i:10gb");
  ASSERT_EQ(attributes.size(), 9u);
  EXPECT_EQ(attributes[0].scalar().value(), 0.5);
  EXPECT_EQ(attributes[1].scalar().value(), -3.0);
  EXPECT_EQ(attributes[2].scalar().value(), 1000.0);
  for (size_t i = 3; i < attributes.size(); ++i) {
    EXPECT_EQ(attributes[i].type(), v1::Value::TEXT) << attributes[i].name();
  }
  EXPECT_EQ(attributes[3].text().value(), "1.2.3");
  EXPECT_EQ(attributes[4].text().value(), "nan");
}

TEST(AttributesParse, WhitespaceEmptyEntriesAndOrder) {
  auto attributes = A(" rack : r1 ;; host:my host \n zone:z;rack:r2; ");
  ASSERT_EQ(attributes.size(), 4u);
  EXPECT_EQ(attributes[0].name(), "rack");
  EXPECT_EQ(attributes[0].text().value(), "r1");
  EXPECT_EQ(attributes[1].text().value(), "my host");
  EXPECT_EQ(attributes[2].name(), "zone");
  EXPECT_EQ(attributes[3].text().value(), "r2");  // duplicates kept, in order
  EXPECT_TRUE(A("").empty());
  EXPECT_TRUE(A(" ; ;").empty());
}

TEST(AttributesParse, ValueSplitsAtFirstColon) {
  auto attributes = A("url:http://x:80");
  ASSERT_EQ(attributes.size(), 1u);
  EXPECT_EQ(attributes[0].text().value(), "http://x:80");
}

TEST(AttributesParse, MultipleRangesAndEmptyCollections) {
  auto attributes = A("p:[ 1-2 , 5-9 ];s:{};r:[]");
  ASSERT_EQ(attributes.size(), 3u);
  EXPECT_EQ(attributes[0].ranges().range_size(), 2);
  EXPECT_EQ(attributes[1].type(), v1::Value::SET);
  EXPECT_EQ(attributes[1].set().item_size(), 0);
  EXPECT_EQ(attributes[2].type(), v1::Value::RANGES);
  EXPECT_EQ(attributes[2].ranges().range_size(), 0);
}

TEST(AttributesParse, Errors) {
  EXPECT_EQ(attributeError("rack"), "invalid attribute 'rack': expected 'name:value'");
  EXPECT_EQ(attributeError(":a"), "invalid attribute ':a': empty name");
  EXPECT_EQ(attributeError("rack:"), "invalid attribute 'rack:': empty value");
  EXPECT_NE(attributeError("ports:[1-10").find("unterminated range list"), std::string::npos);
  EXPECT_EQ(attributeError("ports:[10-1]"),
            "invalid attribute 'ports:[10-1]': invalid range '10-1': begin is greater than end");
  EXPECT_NE(attributeError("ports:[a-b]").find("invalid range 'a-b'"), std::string::npos);
  EXPECT_NE(attributeError("ports:[1]").find("expected 'begin-end'"), std::string::npos);
  EXPECT_NE(attributeError("tags:{x,y").find("unterminated set"), std::string::npos);
  EXPECT_NE(attributeError("tags:{x,,y}").find("empty item"), std::string::npos);
  EXPECT_NE(attributeError("ok:1;tags:x}").find("invalid attribute 'tags:x}'"), std::string::npos);
}

TEST(AttributesValueString, EachType) {
  auto attributes = A("rack:a b;cores:4;half:0.5;fine:1.25;big:1e6;neg:-2.5;ports:[1-10];many:[1-2,5-9];tags:{x,y}");
  std::vector<std::string> shown;
  for (const auto& a : attributes) shown.push_back(attributeValueString(a));
  EXPECT_EQ(shown, (std::vector<std::string>{"a b", "4", "0.5", "1.25", "1000000", "-2.5", "[1-10]", "[1-2,5-9]",
                                              "{x,y}"}));
}

TEST(AttributesValueString, RoundTrips) {
  const std::string text = "rack:r1;cores:4;ratio:0.125;ports:[1-2,5-9];tags:{x,y}";
  std::string rebuilt;
  for (const auto& a : A(text)) {
    if (!rebuilt.empty()) rebuilt += ";";
    rebuilt += a.name() + ":" + attributeValueString(a);
  }
  EXPECT_EQ(rebuilt, text);
}

TEST(AttributesValues, FormatScalar) {
  EXPECT_EQ(values::formatScalar(0), "0");
  EXPECT_EQ(values::formatScalar(2), "2");
  EXPECT_EQ(values::formatScalar(0.1 + 0.2), "0.3");
  EXPECT_EQ(values::formatScalar(1024.125), "1024.125");
  EXPECT_EQ(values::formatScalar(0.12345), "0.123");
  EXPECT_EQ(values::formatScalar(-0.0001), "0");
  EXPECT_EQ(values::formatScalar(-1.5), "-1.5");
  EXPECT_EQ(values::formatScalar(1e20), "1e+20");
}

TEST(AttributesValues, ParseNumber) {
  EXPECT_EQ(values::parseNumber("42"), 42.0);
  EXPECT_EQ(values::parseNumber("-0.5"), -0.5);
  EXPECT_EQ(values::parseNumber(""), std::nullopt);
  EXPECT_EQ(values::parseNumber(" 1"), std::nullopt);
  EXPECT_EQ(values::parseNumber("1 "), std::nullopt);
  EXPECT_EQ(values::parseNumber("1x"), std::nullopt);
  EXPECT_EQ(values::parseNumber("0x1"), std::nullopt);
  EXPECT_EQ(values::parseNumber("1e-400"), 0.0);
  ASSERT_TRUE(values::parseNumber("1e400"));
  EXPECT_TRUE(std::isinf(*values::parseNumber("1e400")));
}

}  // namespace
}  // namespace tepui
