// What placement knows about an agent: its id, hostname, fault domain and
// attributes as text, taken from a v1::Offer or a v1::AgentInfo.
//
// Attribute values are kept in the text form Marathon-compatible
// constraints compare (constraintText): scalars rounded to 3 decimals,
// half-even, without trailing zeros ("4", "0.5", "1.001"); ranges sorted by
// their start, "[100-200,300-400]"; set items sorted, "{a,b}"; text as is.
// When an agent declares an attribute twice, the first one counts.
//
// Region and zone come from the agent's fault domain (DomainInfo) when it
// has one; otherwise from its attributes named "region" and "zone", so a
// cluster without fault domains can still use @region and @zone
// constraints by declaring them as attributes.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "tepui/v1/mesos.pb.h"

namespace tepui::services {

struct AgentFacts {
  std::string agentId;
  std::string hostname;
  std::optional<std::string> region;
  std::optional<std::string> zone;
  std::map<std::string, std::string> attributes;  // name -> constraintText

  bool operator==(const AgentFacts&) const = default;
};

AgentFacts agentFacts(const v1::Offer& offer);
AgentFacts agentFacts(const v1::AgentInfo& agent);

// The value of a constraint field on this agent: "hostname" and
// "@hostname" name the hostname, "@region" and "@zone" the fault domain,
// anything else an attribute. Nothing when the agent lacks it.
std::optional<std::string> fieldValue(const AgentFacts& facts, const std::string& field);

// An attribute's value as constraints compare it (see above).
std::string constraintText(const v1::Attribute& attribute);

// A scalar as constraints compare it: rounded half-even to 3 decimals,
// trailing zeros and a trailing '.' removed ("2", "0.5", "-1.25").
std::string constraintScalarText(double value);

}  // namespace tepui::services
