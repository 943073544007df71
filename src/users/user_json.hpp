#pragma once
// The compat User shape of docs/rest.md, built in one place for every route that returns users.
#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>

#include "storage/models.hpp"

namespace chatd::users {

// Turns a stored image key into a link a client can fetch (signed at read time for Azure).
using ImageLinker = std::function<std::string(const std::string& key)>;

// with_email: only the caller's own record (and registration) shows the email.
boost::json::object user_json(const storage::User& user, bool with_email, const ImageLinker& link);
boost::json::value profile_json(const std::optional<storage::Profile>& profile,
                                const ImageLinker& link);

}  // namespace chatd::users
