// Helpers shared by the allocator's unit tests (allocator_test.cpp for the
// DRF cycle, filters and bookkeeping; allocator_roles_test.cpp for the role
// tree and weights): resources from text, FrameworkInfos, and a fixture
// holding one allocator.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "allocator/allocator.hpp"

namespace tepui::allocator::test_util {

inline Resources R(const std::string& text) {
  auto parsed = Resources::parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : Resources();
}

inline v1::FrameworkInfo multiRole(const std::vector<std::string>& roles) {
  v1::FrameworkInfo info;
  info.set_user("u");
  info.set_name("f");
  for (const auto& role : roles) info.add_roles(role);
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);
  return info;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
inline v1::FrameworkInfo legacyRole(const std::string& role) {
  v1::FrameworkInfo info;
  info.set_user("u");
  info.set_name("f");
  info.set_role(role);
  return info;
}
#pragma GCC diagnostic pop

inline v1::AgentInfo agentInfo(const std::string& host) {
  v1::AgentInfo info;
  info.set_hostname(host);
  return info;
}

inline const char* kAgent = "cpus:4;mem:1024;disk:1024;ports:[31000-32000]";

// What each framework got, summed over agents.
inline std::map<std::string, int> countByFramework(const std::vector<Allocation>& allocations) {
  std::map<std::string, int> counts;
  for (const auto& a : allocations) ++counts[a.frameworkId];
  return counts;
}

class AllocatorTest : public ::testing::Test {
 protected:
  void make(Options options = {}) { allocator = createHierarchicalDRF(std::move(options)); }
  void addAgents(int n, const std::string& resources = kAgent) {
    for (int i = 0; i < n; ++i) {
      std::string id = "agent-" + std::to_string(agentCount++);
      allocator->addAgent(id, agentInfo(id), R(resources), {});
    }
  }
  void decline(const Allocation& a, std::optional<double> refuse, double now) {
    allocator->recoverResources(a.frameworkId, a.agentId, a.resources, refuse, now);
  }

  std::unique_ptr<Allocator> allocator = createHierarchicalDRF({});
  int agentCount = 0;
};
}  // namespace tepui::allocator::test_util
