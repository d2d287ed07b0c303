// A weighted DRF sorter: orders clients (roles, or the frameworks of one
// role) by dominant share divided by weight, ties broken by name.
//
// A client's dominant share is the largest, over scalar resource names not
// excluded from fair sharing, of its allocation / the cluster total. The
// totals and exclusions live in a ShareBasis shared by every sorter of an
// allocator, so adding an agent is O(1) for all of them: a sorter notices
// the basis changed (its version) and recomputes every share once, on the
// next refresh(), rather than once per agent added.
//
// Incremental by design: changing one client's allocation or weight moves
// only that client (O(log n)). Only active clients are in the order
// (inactive ones, e.g. suppressed frameworks, keep their allocation but are
// not sorted). Iteration is over a std::set; changing the client the caller
// is visiting does not invalidate an iterator already advanced past it.
//
// Hierarchical roles use one of these per role for its children (see
// RoleState in hierarchical_drf.hpp and role_tree.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "allocator/quantities.hpp"

namespace tepui::allocator {

// What shares are computed against; owned by the allocator.
struct ShareBasis {
  Quantities total;                // every agent's resources
  std::set<std::string> excluded;  // --fair_sharing_excluded_resource_names
  uint64_t version = 0;            // bump whenever `total` changes
};

class Sorter {
 public:
  struct Client;
  struct ByShare {
    bool operator()(const Client* a, const Client* b) const;
  };
  using Order = std::set<Client*, ByShare>;

  struct Client {
    std::string name;
    uint32_t tag = 0;  // the owner's handle (a role or framework key)
    double weight = 1.0;
    Quantities allocation;
    double share = 0;  // weighted; the sort key while in the order
    bool active = false;
    bool ordered = false;
    Order::iterator position;
  };

  explicit Sorter(const ShareBasis* basis) : basis_(basis) {}
  Sorter(const Sorter&) = delete;
  Sorter& operator=(const Sorter&) = delete;

  // Adds an inactive client with no allocation; returns the existing one if
  // the name is taken.
  Client* add(const std::string& name, uint32_t tag, double weight = 1.0);
  void remove(Client* client);
  Client* find(const std::string& name) const;

  void setActive(Client* client, bool active);
  // Non-positive or non-finite weights count as 1.0.
  void setWeight(Client* client, double weight);
  void allocated(Client* client, const Quantities& quantities);
  void unallocated(Client* client, const Quantities& quantities);

  // Re-sorts everything if the basis changed since the last refresh; call
  // before iterating.
  void refresh();
  Order::const_iterator begin() const { return order_.begin(); }
  Order::const_iterator end() const { return order_.end(); }

  size_t size() const { return clients_.size(); }
  // Counts active clients even while the order awaits a refresh().
  size_t activeCount() const { return activeCount_; }

  // Unweighted dominant share against the current basis (for metrics).
  double dominantShare(const Client* client) const;
  // Names of the active clients in order (refreshes first; for tests).
  std::vector<std::string> sorted();

 private:
  double weightedShare(const Client& client) const { return dominantShare(&client) / client.weight; }
  bool stale() const { return seenVersion_ != basis_->version; }
  // Moves the client to where its (recomputed) share puts it; the tree node
  // is re-linked, or left in place while its neighbours still bracket it.
  void reposition(Client* client);
  // True when `a` sorts before a client with this share and name (ByShare).
  static bool precedes(const Client& a, double share, const std::string& name);

  const ShareBasis* basis_;
  uint64_t seenVersion_ = 0;
  size_t activeCount_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Client>> clients_;
  Order order_;
};

}  // namespace tepui::allocator
