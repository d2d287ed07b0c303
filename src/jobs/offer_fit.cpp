#include "jobs/offer_fit.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include "common/attributes.hpp"

namespace tepui::jobs {

namespace {

bool usable(const v1::Resource& r, const std::string& role) {
  if (r.type() != v1::Value::SCALAR || r.has_revocable() || r.has_shared() || r.has_disk() || r.has_provider_id())
    return false;
  const std::string owner = Resources::reservationRole(r);
  return owner == "*" || owner == role;
}

bool fullMatch(const std::string& pattern, const std::string& text) {
  std::regex re(pattern, std::regex::ECMAScript);  // validated when the job was parsed
  return std::regex_match(text, re);
}

bool matches(const Constraint& c, const v1::Attribute& a) {
  std::vector<std::string> values;
  switch (a.type()) {
    case v1::Value::TEXT: values.push_back(a.text().value()); break;
    case v1::Value::SCALAR: values.push_back(attributeValueString(a)); break;
    case v1::Value::SET: values.assign(a.set().item().begin(), a.set().item().end()); break;
    default: return false;  // ranges
  }
  switch (c.op) {
    case Constraint::Operator::kEquals: return a.type() != v1::Value::SET && values.front() == c.value;
    case Constraint::Operator::kLike:
      return std::any_of(values.begin(), values.end(), [&](const std::string& v) { return fullMatch(c.value, v); });
    case Constraint::Operator::kUnlike:
      return std::none_of(values.begin(), values.end(), [&](const std::string& v) { return fullMatch(c.value, v); });
  }
  return false;
}

}  // namespace

std::optional<std::vector<v1::Resource>> takeResources(const Resources& available, const TaskNeeds& needs,
                                                       const std::string& role) {
  std::vector<const v1::Resource*> candidates;
  for (const v1::Resource& r : available)
    if (usable(r, role)) candidates.push_back(&r);
  // Reserved before unreserved (stable: the offer's order otherwise).
  std::stable_sort(candidates.begin(), candidates.end(), [](const v1::Resource* a, const v1::Resource* b) {
    return Resources::reservationRole(*a) != "*" && Resources::reservationRole(*b) == "*";
  });
  std::vector<v1::Resource> taken;
  for (auto [name, amount] :
       {std::pair<const char*, double>{"cpus", needs.cpus}, {"mem", needs.mem}, {"disk", needs.disk}}) {
    long long need = std::llround(amount * 1000);  // in Mesos's 0.001 steps
    for (const v1::Resource* r : candidates) {
      if (need <= 0) break;
      if (r->name() != name) continue;
      long long have = std::llround(r->scalar().value() * 1000);
      long long take = std::min(need, have);
      if (take <= 0) continue;
      v1::Resource part = *r;
      part.mutable_scalar()->set_value(static_cast<double>(take) / 1000);
      taken.push_back(std::move(part));
      need -= take;
    }
    if (need > 0) return std::nullopt;
  }
  return taken;
}

bool constraintsMatch(const std::vector<Constraint>& constraints, const v1::Offer& offer) {
  for (const Constraint& c : constraints) {
    const v1::Attribute* found = nullptr;
    for (const v1::Attribute& a : offer.attributes()) {
      if (a.name() == c.attribute) {
        found = &a;
        break;
      }
    }
    v1::Attribute hostname;
    if (found == nullptr && c.attribute == "hostname") {
      hostname.set_name("hostname");
      hostname.set_type(v1::Value::TEXT);
      hostname.mutable_text()->set_value(offer.hostname());
      found = &hostname;
    }
    if (found == nullptr || !matches(c, *found)) return false;
  }
  return true;
}

}  // namespace tepui::jobs
