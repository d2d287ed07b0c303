#include <gtest/gtest.h>

#include "services/service_ports.hpp"

namespace tepui::services {
namespace {

AppDefinition app(const std::string& id, std::vector<int64_t> ports) {
  AppDefinition a;
  a.id = PathId::parse(id).value();
  for (int64_t p : ports) a.portDefinitions.push_back(PortDefinition{.port = p});
  return a;
}

std::vector<int64_t> portsOf(const Group& root, const std::string& id) {
  std::vector<int64_t> out;
  for (auto& p : findApp(root, PathId::parse(id).value())->portDefinitions) out.push_back(p.port);
  return out;
}

TEST(ServicePortsTest, PortZeroGetsTheLowestFreeServicePort) {
  Group before, target;
  ASSERT_TRUE(putApp(target, app("/a", {0, 0})).ok());
  ASSERT_TRUE(putApp(target, app("/b", {10001, 0})).ok());
  EXPECT_TRUE(assignServicePorts(before, target).empty());
  EXPECT_EQ(portsOf(target, "/a"), (std::vector<int64_t>{10000, 10002}));
  EXPECT_EQ(portsOf(target, "/b"), (std::vector<int64_t>{10001, 10003}));
}

TEST(ServicePortsTest, AnAppKeepsItsServicePortsWhenPortZeroIsSentAgain) {
  Group before, target;
  ASSERT_TRUE(putApp(before, app("/a", {10005, 10009})).ok());
  ASSERT_TRUE(putApp(target, app("/a", {0, 0, 0})).ok());
  EXPECT_TRUE(assignServicePorts(before, target).empty());
  EXPECT_EQ(portsOf(target, "/a"), (std::vector<int64_t>{10005, 10009, 10000}));
}

TEST(ServicePortsTest, AFullRangeIsReportedByPath) {
  Group before, target;
  std::vector<int64_t> all;
  for (int64_t p = kServicePortMin; p < kServicePortMax; ++p) all.push_back(p);
  ASSERT_TRUE(putApp(target, app("/full", all)).ok());
  ASSERT_TRUE(putApp(target, app("/late", {0})).ok());
  EXPECT_EQ(assignServicePorts(before, target), (std::vector<std::string>{"/late/portDefinitions(0)/port"}));
  EXPECT_EQ(portsOf(target, "/late"), (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace tepui::services
