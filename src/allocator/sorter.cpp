// Weighted DRF sorter; see sorter.hpp.
#include "allocator/sorter.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace tepui::allocator {

bool Sorter::ByShare::operator()(const Client* a, const Client* b) const {
  if (a->share != b->share) return a->share < b->share;
  return a->name < b->name;
}

bool Sorter::precedes(const Client& a, double share, const std::string& name) {
  if (a.share != share) return a.share < share;
  return a.name < name;
}

Sorter::Client* Sorter::add(const std::string& name, uint32_t tag, double weight) {
  auto [it, inserted] = clients_.try_emplace(name);
  if (inserted) {
    it->second = std::make_unique<Client>();
    it->second->name = name;
    it->second->tag = tag;
    setWeight(it->second.get(), weight);
  }
  return it->second.get();
}

void Sorter::remove(Client* client) {
  if (client->ordered) order_.erase(client->position);
  if (client->active) --activeCount_;
  clients_.erase(client->name);
}

Sorter::Client* Sorter::find(const std::string& name) const {
  auto it = clients_.find(name);
  return it == clients_.end() ? nullptr : it->second.get();
}

void Sorter::setActive(Client* client, bool active) {
  if (client->active == active) return;
  client->active = active;
  active ? ++activeCount_ : --activeCount_;
  if (!active) {
    if (client->ordered) order_.erase(client->position);
    client->ordered = false;
  } else if (!stale()) {
    // A stale sorter rebuilds its whole order on refresh().
    reposition(client);
  }
}

void Sorter::setWeight(Client* client, double weight) {
  client->weight = (std::isfinite(weight) && weight > 0) ? weight : 1.0;
  reposition(client);
}

void Sorter::allocated(Client* client, const Quantities& quantities) {
  client->allocation += quantities;
  reposition(client);
}

void Sorter::unallocated(Client* client, const Quantities& quantities) {
  client->allocation -= quantities;
  reposition(client);
}

void Sorter::reposition(Client* client) {
  if (stale()) return;
  const double share = weightedShare(*client);
  if (!client->ordered) {
    client->share = share;
    if (client->active) {
      client->position = order_.insert(client).first;
      client->ordered = true;
    }
    return;
  }
  if (share == client->share) return;
  // Still between its neighbours with the new share: the order holds as it
  // is, so the key changes in place (a lone client, or a small change).
  auto next = std::next(client->position);
  bool afterPrev = client->position == order_.begin() || precedes(**std::prev(client->position), share, client->name);
  bool beforeNext = next == order_.end() || !precedes(**next, share, client->name);
  if (afterPrev && beforeNext) {
    client->share = share;
    return;
  }
  // Moved: re-link the same node (no allocation).
  auto node = order_.extract(client->position);
  client->share = share;
  client->position = order_.insert(std::move(node)).position;
}

void Sorter::refresh() {
  if (!stale()) return;
  seenVersion_ = basis_->version;
  order_.clear();
  for (auto& [name, client] : clients_) {
    client->ordered = false;
    client->share = weightedShare(*client);
    if (client->active) {
      client->position = order_.insert(client.get()).first;
      client->ordered = true;
    }
  }
}

double Sorter::dominantShare(const Client* client) const {
  // Both lists are sorted by name: a merge walk, no lookups.
  const auto& total = basis_->total.entries();
  double share = 0;
  size_t j = 0;
  for (const auto& [name, allocated] : client->allocation.entries()) {
    while (j < total.size() && total[j].first < name) ++j;
    if (j == total.size()) break;
    if (total[j].first != name || total[j].second <= 0) continue;
    if (!basis_->excluded.empty() && basis_->excluded.count(name)) continue;
    share = std::max(share, static_cast<double>(allocated) / static_cast<double>(total[j].second));
  }
  return share;
}

std::vector<std::string> Sorter::sorted() {
  refresh();
  std::vector<std::string> names;
  names.reserve(order_.size());
  for (const Client* c : order_) names.push_back(c->name);
  return names;
}

}  // namespace tepui::allocator
