#include "services/agent_facts.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace tepui::services {
namespace {

template <typename Source>
AgentFacts factsOf(const std::string& agentId, const std::string& hostname, const Source& source) {
  AgentFacts facts;
  facts.agentId = agentId;
  facts.hostname = hostname;
  for (const v1::Attribute& attribute : source.attributes()) {
    facts.attributes.try_emplace(attribute.name(), constraintText(attribute));  // the first one counts
  }
  if (source.has_domain() && source.domain().has_fault_domain()) {
    facts.region = source.domain().fault_domain().region().name();
    facts.zone = source.domain().fault_domain().zone().name();
  } else {
    if (auto it = facts.attributes.find("region"); it != facts.attributes.end()) facts.region = it->second;
    if (auto it = facts.attributes.find("zone"); it != facts.attributes.end()) facts.zone = it->second;
  }
  return facts;
}

}  // namespace

AgentFacts agentFacts(const v1::Offer& offer) { return factsOf(offer.agent_id().value(), offer.hostname(), offer); }

AgentFacts agentFacts(const v1::AgentInfo& agent) { return factsOf(agent.id().value(), agent.hostname(), agent); }

std::optional<std::string> fieldValue(const AgentFacts& facts, const std::string& field) {
  if (field == "hostname" || field == "@hostname") return facts.hostname;
  if (field == "@region") return facts.region;
  if (field == "@zone") return facts.zone;
  auto it = facts.attributes.find(field);
  if (it == facts.attributes.end()) return std::nullopt;
  return it->second;
}

std::string constraintScalarText(double value) {
  // printf rounds the exact binary value half-even, which is what the
  // Marathon-compatible "0.###" format does (1.1005 is slightly above the
  // tie, so "1.101"; 0.0625 is a tie, so "0.062").
  char buffer[400];
  int length = std::snprintf(buffer, sizeof(buffer), "%.3f", value);
  if (length <= 0 || static_cast<size_t>(length) >= sizeof(buffer)) return "nan";
  std::string text(buffer, static_cast<size_t>(length));
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string constraintText(const v1::Attribute& attribute) {
  switch (attribute.type()) {
    case v1::Value::SCALAR: return constraintScalarText(attribute.scalar().value());
    case v1::Value::RANGES: {
      std::vector<std::pair<uint64_t, uint64_t>> ranges;
      for (const auto& range : attribute.ranges().range()) ranges.emplace_back(range.begin(), range.end());
      std::stable_sort(ranges.begin(), ranges.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      std::string text = "[";
      for (size_t i = 0; i < ranges.size(); ++i) {
        if (i > 0) text += ',';
        text += std::to_string(ranges[i].first) + '-' + std::to_string(ranges[i].second);
      }
      return text + ']';
    }
    case v1::Value::SET: {
      std::vector<std::string> items(attribute.set().item().begin(), attribute.set().item().end());
      std::sort(items.begin(), items.end());
      std::string text = "{";
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) text += ',';
        text += items[i];
      }
      return text + '}';
    }
    case v1::Value::TEXT: return attribute.text().value();
  }
  return {};
}

}  // namespace tepui::services
