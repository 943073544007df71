#include "chat/groups.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fakes.hpp"
#include "storage/errors.hpp"

namespace chatd::chat {
namespace {
namespace asio = boost::asio;
using storage::GroupRole;
using testing::FakeDatabase;
using testing::Gate;
using testing::OpenOnExit;
using testing::run;
using testing::run_until;

// One group's members; add_members can be held after its commit (as a request whose coroutine
// resumes late), remove_member can lose its commit's answer.
class FakeGroups : public storage::GroupRepository {
 public:
  Gate after_add;
  std::atomic<bool> add_committed{false};
  bool lose_removal_answer = false;

  storage::Group create(const storage::NewGroup&, std::size_t) override {
    return unused<storage::Group>();
  }
  std::optional<storage::Group> find(std::int64_t id) override {
    storage::Group g;
    g.id = id;
    g.owner_id = 1;
    return g;
  }
  std::optional<GroupRole> role_of(std::int64_t, std::int64_t user) override {
    std::lock_guard lock(mutex_);
    auto it = roles_.find(user);
    if (it == roles_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<storage::GroupMember> members(std::int64_t) override {
    return unused<std::vector<storage::GroupMember>>();
  }
  storage::Page<storage::Group> list_for(std::int64_t, int, int) override {
    return unused<storage::Page<storage::Group>>();
  }
  std::vector<std::int64_t> group_ids_of(std::int64_t) override {
    return unused<std::vector<std::int64_t>>();
  }
  std::optional<storage::Group> update(std::int64_t, const storage::GroupUpdate&) override {
    return unused<std::optional<storage::Group>>();
  }
  std::vector<std::int64_t> add_members(std::int64_t, const std::vector<std::int64_t>& users,
                                        std::size_t) override {
    std::vector<std::int64_t> added;
    {
      std::lock_guard lock(mutex_);
      for (const auto u : users)
        if (roles_.emplace(u, GroupRole::kMember).second) added.push_back(u);
    }
    add_committed = true;
    after_add.wait();
    return added;
  }
  bool set_role(std::int64_t, std::int64_t, GroupRole) override { return unused<bool>(); }
  storage::MemberRemoval remove_member(std::int64_t, std::int64_t user) override {
    storage::MemberRemoval r;
    {
      std::lock_guard lock(mutex_);
      r.removed = roles_.erase(user) > 0;
    }
    if (lose_removal_answer) throw storage::OutcomeUnknownError("no answer to COMMIT");
    return r;
  }
  std::vector<storage::GroupConversation> conversations(std::int64_t) override {
    return unused<std::vector<storage::GroupConversation>>();
  }
  std::int64_t mark_read(std::int64_t, std::int64_t, std::int64_t) override {
    return unused<std::int64_t>();
  }
  std::int64_t unread_count(std::int64_t, std::int64_t) override { return unused<std::int64_t>(); }

 private:
  template <typename T>
  static T unused() {
    throw std::logic_error("not used by these tests");
  }
  std::mutex mutex_;
  std::map<std::int64_t, GroupRole> roles_{{1, GroupRole::kOwner}};
};

class GroupServiceTest : public ::testing::Test {
 protected:
  GroupServiceTest() {
    db_.set_groups(&groups_);
    service_.on_membership([this](const GroupChange& c) {
      std::lock_guard lock(mutex_);
      for (const auto u : c.joined) heard_.push_back("join " + std::to_string(u));
      if (c.removed)
        heard_.push_back("leave " + std::to_string(*c.removed) +
                         (c.outcome_unknown ? " (outcome unknown)" : ""));
    });
  }
  std::vector<std::string> heard() {
    std::lock_guard lock(mutex_);
    return heard_;
  }

  FakeDatabase db_{{1, 2, 3}};
  FakeGroups groups_;
  core::BlockingPool pool_{3};
  BatchWriter writer_{db_};
  ChatService chat_{db_,
                    pool_,
                    writer_,
                    ChatLimits{},
                    [](std::string_view) { return std::nullopt; },
                    [](std::string) -> asio::awaitable<bool> { co_return false; },
                    [](std::string) -> asio::awaitable<void> { co_return; }};
  GroupService service_{db_, pool_, chat_, 10};
  asio::io_context io_;
  std::mutex mutex_;
  std::vector<std::string> heard_;
};

// An add whose request resumes late, then a removal of the same user: the room leave must not
// come first (the removed user would stay in the room, hearing the group's messages).
TEST_F(GroupServiceTest, MembershipChangesAreAnnouncedInCommitOrder) {
  groups_.after_add.close();
  OpenOnExit open{groups_.after_add};
  bool added = false;
  bool removed = false;
  asio::co_spawn(io_, service_.add(1, 7, {2}), [&](std::exception_ptr e, GroupChange) {
    EXPECT_FALSE(e);
    added = true;
  });
  run_until(io_, [&] { return groups_.add_committed.load(); });
  asio::co_spawn(io_, service_.remove(1, 7, 2), [&](std::exception_ptr e, GroupChange) {
    EXPECT_FALSE(e);
    removed = true;
  });
  // The removal has its turn at the database now; give it time to get ahead if it could.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
  run_until(io_, [&] { return std::chrono::steady_clock::now() > until; });
  EXPECT_TRUE(heard().empty());
  groups_.after_add.open();
  run_until(io_, [&] { return added && removed; });
  EXPECT_EQ(heard(), (std::vector<std::string>{"join 2", "leave 2"}));
}

TEST_F(GroupServiceTest, ARemovalWithoutAnAnswerStillTakesTheUserOutOfTheRoom) {
  run(io_, service_.add(1, 7, {2}));
  groups_.lose_removal_answer = true;
  EXPECT_THROW(run(io_, service_.remove(1, 7, 2)), storage::OutcomeUnknownError);
  EXPECT_EQ(heard(), (std::vector<std::string>{"join 2", "leave 2 (outcome unknown)"}));
}

// A retry after an add whose outcome was unknown adds nobody (the first attempt did): the named
// users' sockets still join the room.
TEST_F(GroupServiceTest, AnAddOfMembersAlreadyInJoinsThemAll) {
  run(io_, service_.add(1, 7, {2}));
  const auto change = run(io_, service_.add(1, 7, {2, 3, 2}));
  EXPECT_EQ(change.added, (std::vector<std::int64_t>{3}));
  EXPECT_EQ(heard(), (std::vector<std::string>{"join 2", "join 2", "join 3"}));
}

}  // namespace
}  // namespace chatd::chat
