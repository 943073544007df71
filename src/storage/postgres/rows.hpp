#pragma once
// SELECT lists and the functions that read them back, kept side by side because the readers
// depend on the column order. Times leave PostgreSQL as integer milliseconds.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/row>

#include "storage/models.hpp"

namespace chatd::storage::postgres {

// "(extract(epoch from <column>) * 1000)::bigint": milliseconds since the epoch of a
// timestamptz; exact, since the columns hold milliseconds.
std::string ms(std::string_view column);

// users u LEFT JOIN profiles p (p may also be a CTE with the profiles columns): 14 columns.
const std::string& user_columns();

// messages m JOIN users u (the sender): 18 columns.
const std::string& message_columns();

User read_user(const pqxx::row& r, int first = 0);
Message read_message(const pqxx::row& r, int first = 0);

std::optional<std::string> opt_text(const pqxx::field& f);
std::optional<int> opt_int(const pqxx::field& f);
std::optional<std::int64_t> opt_int64(const pqxx::field& f);

// Throws DuplicateError if `e` names the email or username unique index.
void throw_if_duplicate(const pqxx::unique_violation& e);

}  // namespace chatd::storage::postgres
