// PathId: parsing absolute and relative ids, the segment rule, tree
// navigation and the task id prefix.
#include <gtest/gtest.h>

#include "services/path_id.hpp"

namespace tepui::services {
namespace {

PathId id(const std::string& text, const PathId& base = PathId()) {
  Result<PathId> r = PathId::parse(text, base);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : PathId();
}

TEST(ServicesPathIdTest, AbsoluteIdsKeepTheirSegments) {
  EXPECT_EQ(id("/product/database/mysql").toString(), "/product/database/mysql");
  EXPECT_EQ(id("/product/database/mysql").segments(), (std::vector<std::string>{"product", "database", "mysql"}));
  EXPECT_EQ(id("/").toString(), "/");
  EXPECT_TRUE(id("/").isRoot());
  EXPECT_EQ(id("/a//b/").toString(), "/a/b");
}

TEST(ServicesPathIdTest, RelativeIdsResolveAgainstTheBase) {
  PathId base = id("/product/service");
  EXPECT_EQ(id("rails-app", base).toString(), "/product/service/rails-app");
  EXPECT_EQ(id("./rails-app", base).toString(), "/product/service/rails-app");
  EXPECT_EQ(id("../database", base).toString(), "/product/database");
  EXPECT_EQ(id("../../other/x", base).toString(), "/other/x");
  EXPECT_EQ(id(".", base), base);
  EXPECT_EQ(id("/abs", base).toString(), "/abs");
}

TEST(ServicesPathIdTest, ClimbingAboveTheRootIsAnError) {
  Result<PathId> r = PathId::parse("../../x", id("/a"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("above the root"), std::string::npos);
}

TEST(ServicesPathIdTest, SegmentsFollowTheLowercaseDnsLikeRule) {
  for (const char* good : {"a", "0", "a-b", "a1-2b", "a.b", "my-app.v2", "x.y.z"}) {
    EXPECT_EQ(PathId::segmentError(good), "") << good;
  }
  for (const char* bad : {"A", "-a", "a-", "a_b", "a b", "a..b", ".a", "a.", "é", "a.-b"}) {
    EXPECT_NE(PathId::segmentError(bad), "") << bad;
  }
  Result<PathId> r = PathId::parse("/good/Bad");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("'Bad'"), std::string::npos) << r.error().message;
}

TEST(ServicesPathIdTest, ParentChildAndAncestry) {
  PathId app = id("/product/service/rails-app");
  EXPECT_EQ(app.parent().toString(), "/product/service");
  EXPECT_EQ(PathId().parent(), PathId());
  EXPECT_EQ(id("/product").child("database").toString(), "/product/database");
  EXPECT_EQ(app.name(), "rails-app");
  EXPECT_TRUE(PathId().isAncestorOf(app));
  EXPECT_TRUE(id("/product").isAncestorOf(app));
  EXPECT_FALSE(app.isAncestorOf(app));
  EXPECT_FALSE(id("/prod").isAncestorOf(app));
  EXPECT_FALSE(id("/product/service/rails-app/x").isAncestorOf(app));
}

TEST(ServicesPathIdTest, TaskIdPrefixJoinsSegmentsWithUnderscores) {
  EXPECT_EQ(id("/product/service/rails-app").taskIdPrefix(), "product_service_rails-app");
  EXPECT_EQ(id("/frontend-foosball").taskIdPrefix(), "frontend-foosball");
}

TEST(ServicesPathIdTest, OrderingIsBySegments) {
  EXPECT_LT(id("/a"), id("/a/b"));
  EXPECT_LT(id("/a/b"), id("/b"));
}

}  // namespace
}  // namespace tepui::services
