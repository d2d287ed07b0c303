// HierarchicalDRF::shape(): what a role may be offered on an agent once
// quota has had its say.
//
// Without quota: all the unreserved resources and the role's reservations.
// With quota, the unreserved scalars are cut per name to the least of:
//   - the room under the limits of the role and of its ancestors;
//   - stage 1 (roles below a guarantee are served first): for guaranteed
//     names, the room under the guarantees of the role and its ancestors;
//   - otherwise, for names some guarantee still needs: the surplus of the
//     unallocated unreserved resources over the required headroom, plus the
//     role's own room under guarantees (what it takes there lowers the
//     required headroom as much as the available one).
// Reservations (the role's, and its ancestors', which are offered to their
// descendants too) count in their owner's consumption whether allocated or
// not, so quota never cuts them.
#include <algorithm>

#include "allocator/hierarchical_drf.hpp"

namespace tepui::allocator {

namespace {

// The resources with the scalars named in `caps` cut down to them, taking
// resources in order.
Resources cut(const Resources& resources, QuotaBook::Caps caps) {
  std::vector<v1::Resource> out;
  for (const v1::Resource& r : resources) {
    auto cap = r.type() == v1::Value::SCALAR ? caps.find(r.name()) : caps.end();
    if (cap == caps.end()) {
      out.push_back(r);
      continue;
    }
    int64_t have = Quantities::toFixed(r.scalar().value());
    int64_t take = std::min(have, cap->second);
    if (take <= 0) continue;
    cap->second -= take;
    out.push_back(r);
    if (take < have) out.back().mutable_scalar()->set_value(Quantities::toDouble(take));
  }
  return Resources(out);
}

// The scalar sums of cut(resources, caps), from the resources' sums.
Quantities cutScalars(const Quantities& scalars, const QuotaBook::Caps& caps) {
  Quantities out;
  for (const auto& [name, have] : scalars.entries()) {
    auto cap = caps.find(name);
    out.add(name, cap == caps.end() ? have : std::min(have, cap->second));
  }
  return out;
}

void lower(QuotaBook::Caps& caps, const std::string& name, int64_t cap) {
  auto [it, inserted] = caps.try_emplace(name, cap);
  if (!inserted) it->second = std::min(it->second, cap);
}

}  // namespace

const RoleState::QuotaRoom& HierarchicalDRF::quotaRoomOf(RoleState& role) const {
  const RoleState* top = &role;
  while (top->parent != &root_) top = top->parent;
  RoleState::QuotaRoom& room = role.quotaRoom;
  if (room.config != quota_.configVersion() || room.changes != top->quotaChanges) {
    room.guarantee = quota_.guaranteeRoom(role.name);
    room.limit = quota_.limitRoom(role.name);
    room.config = quota_.configVersion();
    room.changes = top->quotaChanges;
  }
  return room;
}

std::optional<HierarchicalDRF::Shape> HierarchicalDRF::shape(AgentState& agent, RoleState& role, bool stage1,
                                                             bool refined) {
  Shape s;
  s.unreserved = agent.group("*");
  Quantities reservedQuantities;
  if (agent.available.size() > (s.unreserved != nullptr ? 1u : 0u)) {
    for (const AvailableGroup& g : agent.available) {
      if (g.owner == "*" || !usableBy(g.owner, role.name) || (g.refined && !refined)) continue;
      s.reserved.push_back(&g);
      s.withRefined = s.withRefined || g.refined;
      reservedQuantities += g.flat.scalars();
    }
    if (s.reserved.size() == 1) {
      s.reservedFlat = &s.reserved.front()->flat;
    } else if (s.reserved.size() > 1) {
      Resources all;
      for (const AvailableGroup* g : s.reserved) all += g->resources;
      s.merged = std::make_shared<FlatResources>(all, keys_);
      s.reservedFlat = s.merged.get();
    }
  }
  Quantities cutQuantities;
  if (!quota_.empty() && s.unreserved != nullptr) {
    const RoleState::QuotaRoom& quotaRoom = quotaRoomOf(role);
    const std::optional<QuotaBook::Caps>& room = quotaRoom.guarantee;
    if (stage1 && (!room || std::all_of(room->begin(), room->end(), [](const auto& e) { return e.second <= 0; }))) {
      return std::nullopt;
    }
    QuotaBook::Caps caps = quotaRoom.limit;
    for (const auto& [name, required] : quota_.requiredHeadroom().entries()) {
      auto own = room ? room->find(name) : QuotaBook::Caps::const_iterator();
      bool guaranteed = room && own != room->end();
      if (stage1 && guaranteed) continue;  // capped by the room below
      int64_t surplus = std::max<int64_t>(0, unreservedAvailable_.get(name) - required);
      lower(caps, name, surplus + (guaranteed ? own->second : 0));
    }
    if (stage1) {
      for (const auto& [name, left] : *room) lower(caps, name, left);
    }
    const Quantities& there = s.unreserved->flat.scalars();
    if (std::any_of(caps.begin(), caps.end(), [&](const auto& c) { return there.get(c.first) > c.second; })) {
      // The cut's scalars first: a role at its limit is turned away without
      // building the cut resources (the final check below, on the same sums).
      const Quantities scalars = cutScalars(there, caps);
      if (!allocatable(&scalars, s.reserved.empty() ? nullptr : &reservedQuantities)) {
        return std::nullopt;
      }
      s.cut = cut(s.unreserved->resources, std::move(caps));
      if (s.cut->empty()) {
        s.unreserved = nullptr;
        s.cut.reset();
      } else {
        cutQuantities = Quantities::of(*s.cut);
      }
    }
  } else if (stage1) {
    return std::nullopt;
  }
  if (s.unreserved == nullptr && s.reserved.empty()) return std::nullopt;
  const Quantities* u = s.unreserved == nullptr ? nullptr : s.cut ? &cutQuantities : &s.unreserved->flat.scalars();
  if (!allocatable(u, s.reserved.empty() ? nullptr : &reservedQuantities)) return std::nullopt;
  return s;
}

const std::optional<HierarchicalDRF::Shape>& HierarchicalDRF::shapeFor(const FrameworkState& framework,
                                                                       AgentState& agent, RoleState& role, bool stage1,
                                                                       const std::optional<Shape>& forCapable,
                                                                       std::optional<std::optional<Shape>>& forOthers) {
  if (framework.refinementCapable || !forCapable || !forCapable->withRefined) return forCapable;
  if (!forOthers) forOthers = shape(agent, role, stage1, /*refined=*/false);
  return *forOthers;
}

}  // namespace tepui::allocator
