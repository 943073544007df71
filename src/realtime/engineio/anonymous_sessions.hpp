#pragma once
// Sessions not admitted yet by the layer above (Socket.IO: no namespace joined), in two orders:
// by age, for the handshake deadline (the oldest expires first), and by client address, for
// making room. Room is made by closing the oldest session of the address that holds the most:
// a flood from a few addresses then evicts its own sessions, never the one handshake a real
// client has in flight; the globally oldest goes only when no address holds more than one (an
// attacker with as many addresses as there are places). Not thread-safe: the owner locks.
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

namespace chatd::engineio {

template <typename Owner>
class AnonymousSessions {
  struct ByAge;
  struct ByAddress;
  struct Address;

 public:
  using Clock = std::chrono::steady_clock;

  // Embedded in each owner; linked while the owner is anonymous.
  class Entry : public boost::intrusive::list_base_hook<boost::intrusive::tag<ByAge>>,
                public boost::intrusive::list_base_hook<boost::intrusive::tag<ByAddress>> {
   public:
    bool linked() const { return address_ != nullptr; }
    Clock::time_point opened_at() const { return opened_at_; }

   private:
    friend class AnonymousSessions;
    Owner* owner_ = nullptr;
    Address* address_ = nullptr;
    Clock::time_point opened_at_{};
  };

  AnonymousSessions() = default;
  AnonymousSessions(const AnonymousSessions&) = delete;
  AnonymousSessions& operator=(const AnonymousSessions&) = delete;
  ~AnonymousSessions() {
    while (!by_age_.empty()) remove(by_age_.front());
  }

  // Entries are added in the order they open.
  void add(Entry& entry, Owner& owner, const std::string& address, Clock::time_point opened_at) {
    auto [it, added] = addresses_.try_emplace(address);
    Address& a = it->second;
    a.name = &it->first;  // elements stay put when the map rehashes
    by_count_.erase({a.sessions.size(), &a});
    a.sessions.push_back(entry);
    by_count_.insert({a.sessions.size(), &a});
    by_age_.push_back(entry);
    entry.owner_ = &owner;
    entry.address_ = &a;
    entry.opened_at_ = opened_at;
  }

  // Unlinks the entry (admitted, closed or evicted); nothing when it is not linked.
  void remove(Entry& entry) {
    Address* a = entry.address_;
    if (!a) return;
    by_age_.erase(by_age_.iterator_to(entry));
    by_count_.erase({a->sessions.size(), a});
    a->sessions.erase(a->sessions.iterator_to(entry));
    entry.address_ = nullptr;
    if (!a->sessions.empty()) {
      by_count_.insert({a->sessions.size(), a});
      return;
    }
    addresses_.erase(addresses_.find(*a->name));
  }

  bool empty() const { return by_age_.empty(); }
  std::size_t size() const { return by_age_.size(); }
  // The oldest anonymous session (the next to expire); null when there is none.
  Owner* oldest() const { return by_age_.empty() ? nullptr : by_age_.front().owner_; }
  Clock::time_point oldest_opened_at() const { return by_age_.front().opened_at_; }
  // The session to close to make room (see the top of this file); null when there is none.
  Owner* victim() const {
    if (by_count_.empty()) return nullptr;
    const Address* heaviest = by_count_.rbegin()->second;
    if (heaviest->sessions.size() > 1) return heaviest->sessions.front().owner_;
    return oldest();
  }

 private:
  using AgeList = boost::intrusive::list<
      Entry,
      boost::intrusive::base_hook<boost::intrusive::list_base_hook<boost::intrusive::tag<ByAge>>>>;
  using AddressList =
      boost::intrusive::list<Entry, boost::intrusive::base_hook<boost::intrusive::list_base_hook<
                                        boost::intrusive::tag<ByAddress>>>>;
  struct Address {
    const std::string* name = nullptr;  // its key in addresses_
    AddressList sessions;               // oldest first
  };

  AgeList by_age_;
  std::unordered_map<std::string, Address> addresses_;   // only addresses with a session
  std::set<std::pair<std::size_t, Address*>> by_count_;  // (sessions, address): heaviest last
};

}  // namespace chatd::engineio
