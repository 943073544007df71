#pragma once
// Idempotent sends, the part both backends share: which messages of an insert_batch repeat an
// earlier one, and the records the call returns. The backends run the look-up and the insert
// inside their locked transaction (see MessageRepository::insert_batch); this is pure logic.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/models.hpp"

namespace chatd::storage {

// A message's idempotency key: (sender_id, client_msg_id).
struct ClientKey {
  std::int64_t sender_id = 0;
  std::string_view client_msg_id;  // points into the batch's NewMessage
  bool operator==(const ClientKey&) const = default;
};

// The distinct keys of the batch's messages that carry one, in batch order: what to look up
// among the stored messages.
std::vector<ClientKey> client_keys(const std::vector<NewMessage>& batch);

// What insert_batch does with each message, given the stored messages that carry one of the
// batch's keys (`stored`, any order, as the look-up returned them).
struct BatchPlan {
  enum class Source {
    kFresh,    // stored now: the k-th fresh message gets id head + 1 + k
    kStored,   // repeats stored[ref]
    kEarlier,  // repeats message ref of this batch (ref < its own index): the first one wins
  };
  struct Slot {
    Source source = Source::kFresh;
    std::size_t ref = 0;  // kFresh: its position in `fresh`
  };
  std::vector<Slot> slots;         // one per message of the batch
  std::vector<std::size_t> fresh;  // batch indexes of the messages to insert, in batch order
};
BatchPlan plan_batch(const std::vector<NewMessage>& batch, const std::vector<Message>& stored);

// What the database gave the k-th fresh message.
struct Assigned {
  std::int64_t id = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::string sender_username;
};

// The records insert_batch returns, one per message in batch order: a fresh message from its
// input (strings moved, not copied) and `assigned`; a repeat as the message it repeats, with
// duplicate = true. `assigned` has one entry per plan.fresh. Leaves `batch` moved-from.
std::vector<Message> batch_result(std::vector<NewMessage>& batch, const BatchPlan& plan,
                                  std::vector<Assigned> assigned, std::vector<Message> stored);

}  // namespace chatd::storage
