#include "storage/sqlite/repositories.hpp"

#include <SQLiteCpp/Statement.h>

#include "storage/sqlite/rows.hpp"

namespace chatd::storage::sqlite {

namespace {

class SqliteRecoveryRoomRepository final : public RecoveryRoomRepository {
  Connections& c_;

 public:
  explicit SqliteRecoveryRoomRepository(Connections& connections) : c_(connections) {}

  void add(const std::string& key, const std::string& room) override {
    auto lease = c_.write();
    SQLite::Statement s(
        lease.db(),
        "INSERT INTO recovery_rooms (session_key, room, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (session_key, room) DO UPDATE SET"
        " created_at = excluded.created_at");
    s.bind(1, key);
    s.bind(2, room);
    s.bind(3, now_millis());
    s.exec();
  }

  std::vector<std::string> list(const std::string& key) override {
    auto lease = c_.read();
    SQLite::Statement s(lease.db(),
                        "SELECT room FROM recovery_rooms WHERE session_key = ? ORDER BY room");
    s.bind(1, key);
    std::vector<std::string> out;
    while (s.executeStep()) out.push_back(s.getColumn(0).getString());
    return out;
  }

  std::int64_t prune(Millis older_than) override {
    auto lease = c_.write();
    SQLite::Statement s(lease.db(), "DELETE FROM recovery_rooms WHERE created_at < ?");
    s.bind(1, now_millis() - older_than);
    return s.exec();
  }
};

}  // namespace

std::unique_ptr<RecoveryRoomRepository> make_recovery_room_repository(Connections& connections) {
  return std::make_unique<SqliteRecoveryRoomRepository>(connections);
}

}  // namespace chatd::storage::sqlite
