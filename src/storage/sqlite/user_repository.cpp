#include "storage/sqlite/repositories.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "storage/query_parts.hpp"
#include "storage/sqlite/rows.hpp"
#include "storage/text.hpp"

namespace chatd::storage::sqlite {
namespace {

const std::string kSelectUser =
    std::string("SELECT ") + kUserColumns + " FROM " + kUsersWithProfiles;

std::optional<User> find_user(SQLite::Database& db, std::int64_t id) {
  SQLite::Statement s(db, kSelectUser + " WHERE u.id = ?");
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return read_user(s);
}

// ?1 is the search text or NULL. instr() rather than LIKE: no wildcard escaping to get wrong.
constexpr const char* kUserFilter =
    " WHERE (?1 IS NULL OR instr(lower(u.username), lower(?1)) > 0"
    " OR instr(lower(p.full_name), lower(?1)) > 0)";

class SqliteUserRepository final : public UserRepository {
  Connections& c_;

 public:
  explicit SqliteUserRepository(Connections& connections) : c_(connections) {}

  User create(const NewUser& in) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    const Millis now = now_millis();
    User u;
    u.email = ascii_lower(in.email);
    u.username = in.username;
    u.password_hash = in.password_hash;
    u.created_at = u.updated_at = now;
    try {
      SQLite::Statement s(
          db,
          "INSERT INTO users (email, username, password_hash, created_at, updated_at)"
          " VALUES (?, ?, ?, ?, ?)");
      s.bind(1, u.email);
      s.bind(2, u.username);
      s.bind(3, u.password_hash);
      s.bind(4, now);
      s.bind(5, now);
      s.exec();
    } catch (const SQLite::Exception& e) {
      throw_if_duplicate(e);
      throw;
    }
    u.id = db.getLastInsertRowid();

    SQLite::Statement s(db,
                        "INSERT INTO profiles (user_id, full_name, location, age, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    s.bind(1, u.id);
    bind_opt(s, 2, in.full_name);
    bind_opt(s, 3, in.location);
    bind_opt(s, 4, in.age);
    s.bind(5, now);
    s.bind(6, now);
    s.exec();
    Profile p;
    p.id = db.getLastInsertRowid();
    p.full_name = in.full_name;
    p.location = in.location;
    p.age = in.age;
    p.user_id = u.id;
    p.created_at = p.updated_at = now;
    u.profile = std::move(p);
    tx.commit();
    return u;
  }

  std::optional<User> find_by_id(std::int64_t id) override {
    auto lease = c_.read();
    return find_user(lease.db(), id);
  }

  std::optional<User> find_by_email(const std::string& email) override {
    auto lease = c_.read();
    // COLLATE NOCASE matches the unique index, so the lookup uses it and also finds rows written
    // before emails were lower-cased.
    SQLite::Statement s(lease.db(), kSelectUser + " WHERE u.email = ? COLLATE NOCASE");
    s.bind(1, ascii_lower(email));
    if (!s.executeStep()) return std::nullopt;
    return read_user(s);
  }

  std::optional<User> find_by_username(const std::string& username) override {
    auto lease = c_.read();
    SQLite::Statement s(lease.db(), kSelectUser + " WHERE u.username = ?");
    s.bind(1, username);
    if (!s.executeStep()) return std::nullopt;
    return read_user(s);
  }

  Page<User> list(const UserQuery& query) override {
    auto lease = c_.read();
    auto& db = lease.db();
    const char* dir = query.order == SortOrder::kDesc ? " DESC" : " ASC";
    const std::optional<std::string> q =
        query.q && !query.q->empty() ? query.q : std::optional<std::string>();

    // One read transaction, so the total and the page come from the same snapshot.
    SQLite::Transaction tx(db);
    Page<User> page;
    {
      SQLite::Statement s(db,
                          std::string("SELECT count(*) FROM ") + kUsersWithProfiles + kUserFilter);
      bind_opt(s, 1, q);
      s.executeStep();
      page.total = s.getColumn(0).getInt64();
    }
    SQLite::Statement s(db, kSelectUser + kUserFilter + " ORDER BY " +
                                user_sort_column(query.sort_by) + dir + ", u.id" + dir +
                                " LIMIT ?2 OFFSET ?3");
    bind_opt(s, 1, q);
    const PageWindow w = page_window(query.page, query.per_page);
    s.bind(2, w.limit);
    s.bind(3, w.offset);
    while (s.executeStep()) page.items.push_back(read_user(s));
    tx.commit();
    return page;
  }

  std::optional<User> update_profile(std::int64_t user_id, const ProfileUpdate& update) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // An absent field keeps its value; the WHERE EXISTS makes an unknown user a no-op instead of
    // a foreign key error. (The WHERE also keeps SQLite's upsert parser unambiguous.)
    SQLite::Statement s(db,
                        "INSERT INTO profiles (user_id, full_name, location, age, created_at,"
                        " updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?5"
                        " WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)"
                        " ON CONFLICT (user_id) DO UPDATE SET"
                        " full_name = coalesce(excluded.full_name, profiles.full_name),"
                        " location = coalesce(excluded.location, profiles.location),"
                        " age = coalesce(excluded.age, profiles.age),"
                        " updated_at = excluded.updated_at");
    s.bind(1, user_id);
    bind_opt(s, 2, update.full_name);
    bind_opt(s, 3, update.location);
    bind_opt(s, 4, update.age);
    s.bind(5, now_millis());
    s.exec();
    auto user = find_user(db, user_id);
    tx.commit();
    return user;
  }

  // The reference check runs in the IMMEDIATE transaction that replaces the image, which holds
  // the database's write lock from its start: no message can commit between the check and the
  // update. One committing after it is not seen (see UserRepository::set_profile_image).
  ReplacedProfileImage set_profile_image(std::int64_t user_id,
                                         const std::string& image_key) override {
    auto lease = c_.write();
    auto& db = lease.db();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    std::optional<std::string> old;
    {
      SQLite::Statement s(db, "SELECT profile_image FROM profiles WHERE user_id = ?");
      s.bind(1, user_id);
      if (s.executeStep()) old = opt_text(s, 0);
    }
    ReplacedProfileImage out;
    if (old && *old != image_key) {
      // "= ?1" implies IS NOT NULL, so these probe the partial indexes messages_blob_url_idx and
      // profiles_profile_image_idx. This user's own row still names the old key, hence <>.
      SQLite::Statement s(db,
                          "SELECT NOT EXISTS (SELECT 1 FROM messages WHERE blob_url = ?1)"
                          " AND NOT EXISTS (SELECT 1 FROM profiles"
                          " WHERE profile_image = ?1 AND user_id <> ?2)");
      s.bind(1, *old);
      s.bind(2, user_id);
      if (s.executeStep() && s.getColumn(0).getInt() != 0) out.orphaned_key = std::move(old);
    }
    SQLite::Statement s(
        db,
        "INSERT INTO profiles (user_id, profile_image, created_at, updated_at)"
        " SELECT ?1, ?2, ?3, ?3 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)"
        " ON CONFLICT (user_id) DO UPDATE SET"
        " profile_image = excluded.profile_image, updated_at = excluded.updated_at");
    s.bind(1, user_id);
    s.bind(2, image_key);
    s.bind(3, now_millis());
    s.exec();
    tx.commit();
    return out;
  }
};

}  // namespace

std::unique_ptr<UserRepository> make_user_repository(Connections& connections) {
  return std::make_unique<SqliteUserRepository>(connections);
}

}  // namespace chatd::storage::sqlite
