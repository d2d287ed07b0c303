// HTTP message values: header-name comparison, percent-encoding, query
// strings, response helpers and endpoint parsing.
#include <gtest/gtest.h>

#include "http/message.hpp"

namespace tepui::http {
namespace {

TEST(HttpMessage, HeaderNamesCompareCaseInsensitively) {
  Headers headers;
  headers["Content-Type"] = "application/json";
  headers["content-type"] = "text/plain";
  EXPECT_EQ(headers.size(), 1u);
  Request request;
  request.headers["Mesos-Stream-Id"] = "abc";
  EXPECT_EQ(request.header("mesos-stream-id"), "abc");
  EXPECT_EQ(request.header("MESOS-STREAM-ID"), "abc");
  EXPECT_EQ(request.header("Accept"), std::nullopt);
}

TEST(HttpMessage, PercentDecodeHandlesEscapesAndPlus) {
  EXPECT_EQ(percentDecode("a%20b%2Fc%2f", false), "a b/c/");
  EXPECT_EQ(percentDecode("a+b", false), "a+b");
  EXPECT_EQ(percentDecode("a+b", true), "a b");
  EXPECT_EQ(percentDecode("%00x", false), std::string("\0x", 2));
  EXPECT_EQ(percentDecode("", true), "");
}

TEST(HttpMessage, PercentDecodeRejectsMalformedEscapes) {
  EXPECT_EQ(percentDecode("%", false), std::nullopt);
  EXPECT_EQ(percentDecode("abc%2", false), std::nullopt);
  EXPECT_EQ(percentDecode("%zz", false), std::nullopt);
  EXPECT_EQ(percentDecode("%2g", true), std::nullopt);
}

TEST(HttpMessage, ParseQuerySplitsAndDecodes) {
  auto query = parseQuery("path=%2Fvar%2Flog+x&offset=10&&flag&empty=&a=1&a=2");
  EXPECT_EQ(query["path"], "/var/log x");
  EXPECT_EQ(query["offset"], "10");
  EXPECT_EQ(query["flag"], "");
  EXPECT_EQ(query["empty"], "");
  EXPECT_EQ(query["a"], "2");  // the last repetition wins
  EXPECT_EQ(query.size(), 5u);
  EXPECT_TRUE(parseQuery("").empty());
  // A malformed escape keeps its text rather than losing the parameter.
  EXPECT_EQ(parseQuery("bad=%zz")["bad"], "%zz");
}

TEST(HttpMessage, PercentEncodeRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string encoded = percentEncode(all);
  EXPECT_EQ(encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~%"),
            std::string::npos);
  EXPECT_EQ(percentDecode(encoded, true), all);
  EXPECT_EQ(percentEncode("a b/c"), "a%20b%2Fc");
}

TEST(HttpMessage, ResponseHelpersSetContentType) {
  auto text = Response::text(400, "bad");
  EXPECT_EQ(text.status, 400);
  EXPECT_EQ(text.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(text.body, "bad");
  auto json = Response::json(200, "{}");
  EXPECT_EQ(json.header("Content-Type"), "application/json");
  auto empty = Response::empty(202);
  EXPECT_EQ(empty.status, 202);
  EXPECT_TRUE(empty.headers.empty());
  EXPECT_TRUE(empty.body.empty());
}

TEST(HttpMessage, ParseEndpointAcceptsHostPortAndUrls) {
  auto plain = parseEndpoint("10.0.0.1:5050");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host, "10.0.0.1");
  EXPECT_EQ(plain->port, 5050);
  EXPECT_EQ(plain->str(), "10.0.0.1:5050");

  auto url = parseEndpoint("http://master.example.com:5050/api/v1/scheduler");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "master.example.com");
  EXPECT_EQ(url->port, 5050);

  auto upper = parseEndpoint("HTTP://localhost:1");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->host, "localhost");
  EXPECT_EQ(upper->port, 1);

  auto v6 = parseEndpoint("[::1]:65535");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 65535);
}

TEST(HttpMessage, ParseEndpointRejectsMissingOrInvalidPorts) {
  for (const char* bad :
       {"localhost", "localhost:", ":5050", "host:0", "host:65536", "host:50a0", "host:-1", "host:123456",
        "http://host", "http://host/path", "https://host:443", "::1:5050", "[::1]5050", "[::1", ""}) {
    EXPECT_EQ(parseEndpoint(bad), std::nullopt) << bad;
  }
}

TEST(HttpMessage, QueryValuesKeepsEveryRepetitionInOrder) {
  EXPECT_EQ(queryValues("/v2/apps?embed=apps.tasks&id=x&embed=apps.counts", "embed"),
            (std::vector<std::string>{"apps.tasks", "apps.counts"}));
  EXPECT_EQ(queryValues("/v2/events?event_type=a%5Fb&event_type=", "event_type"),
            (std::vector<std::string>{"a_b", ""}));
  EXPECT_TRUE(queryValues("/v2/apps", "embed").empty());
  EXPECT_TRUE(queryValues("/v2/apps?embedded=x", "embed").empty());
}

}  // namespace
}  // namespace tepui::http
