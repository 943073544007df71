#pragma once
// Who is online on this node: a user is online while at least one of their devices is
// connected. Transitions (first device in, last device out) are what clients hear about.
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chatd::chat {

class Presence {
 public:
  // True when this is the user's first connected device.
  bool connect(std::int64_t user_id, const std::string& username);
  // True when this was the user's last connected device.
  bool disconnect(std::int64_t user_id);
  // (id, username) of every online user, by id.
  std::vector<std::pair<std::int64_t, std::string>> online() const;

 private:
  struct Entry {
    int devices = 0;
    std::string username;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, Entry> users_;
};

}  // namespace chatd::chat
