#pragma once
// How long chatd waits for its database (docs/configuration.md, "Database deadlines").
#include <chrono>

namespace chatd::storage {

struct DatabaseOptions {
  // Opening a connection (PostgreSQL: libpq's connect_timeout, in whole seconds, at least 2).
  std::chrono::milliseconds connect_timeout{5000};
  // One statement, enforced by the server (PostgreSQL: statement_timeout, and
  // idle_in_transaction_session_timeout). A call that gets no answer at all (a frozen or
  // unreachable server cannot enforce its own limit) is ended by chatd 1 s after it.
  std::chrono::milliseconds statement_timeout{5000};
  // A batch of messages (MessageRepository::insert_batch), from its first statement to the end of
  // its commit: chatd ends it when no answer has come by then.
  std::chrono::milliseconds write_timeout{5000};
};

}  // namespace chatd::storage
