#include "auth/crypto/claims.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>

namespace chatd::auth::detail {
namespace json = boost::json;
namespace {

// Doubles beyond ±2^63 do not fit an int64; this bound is exactly representable.
constexpr double kInt64Bound = 9223372036854775808.0;

bool in_int64_range(double d) {
  return d >= -kInt64Bound && d < kInt64Bound;
}

// A user id: JSON integers, or an integral double (JavaScript has only one number type).
std::optional<std::int64_t> as_id(const json::value& v) {
  if (const auto* i = v.if_int64()) return *i;
  if (const auto* u = v.if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(*u);
    return std::nullopt;
  }
  if (const auto* d = v.if_double()) {
    if (std::isfinite(*d) && std::trunc(*d) == *d && in_int64_range(*d)) {
      return static_cast<std::int64_t>(*d);
    }
    return std::nullopt;
  }
  if (const auto* s = v.if_string()) {
    std::int64_t out = 0;
    const char* end = s->data() + s->size();
    const auto [ptr, ec] = std::from_chars(s->data(), end, out);
    if (s->empty() || ec != std::errc{} || ptr != end) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

// A NumericDate (RFC 7519 §2) may be fractional; round down so expiry is never extended.
std::optional<std::int64_t> as_seconds(const json::value& v) {
  if (const auto* i = v.if_int64()) return *i;
  if (const auto* u = v.if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(*u);
    return std::nullopt;
  }
  if (const auto* d = v.if_double()) {
    const double f = std::floor(*d);
    if (std::isfinite(f) && in_int64_range(f)) return static_cast<std::int64_t>(f);
  }
  return std::nullopt;
}

}  // namespace

std::string encode_claims(const Claims& claims) {
  json::object o;
  o["sub"] = claims.sub;
  o["username"] = claims.username;
  o["iat"] = claims.iat;
  o["exp"] = claims.exp;
  if (claims.jti) o["jti"] = *claims.jti;
  if (claims.fam) o["fam"] = *claims.fam;
  return json::serialize(o);
}

std::variant<Claims, TokenError> decode_claims(std::string_view text) {
  json::error_code ec;
  const json::value parsed = json::parse(json::string_view(text.data(), text.size()), ec);
  const json::object* obj = ec ? nullptr : parsed.if_object();
  if (obj == nullptr) return TokenError::kBadClaims;

  Claims claims;
  const json::value* sub = obj->if_contains("sub");
  const json::value* exp = obj->if_contains("exp");
  const auto sub_value = sub ? as_id(*sub) : std::nullopt;
  const auto exp_value = exp ? as_seconds(*exp) : std::nullopt;
  if (!sub_value || !exp_value) return TokenError::kBadClaims;
  claims.sub = *sub_value;
  claims.exp = *exp_value;

  if (const json::value* iat = obj->if_contains("iat")) {
    const auto iat_value = as_seconds(*iat);
    if (!iat_value) return TokenError::kBadClaims;
    claims.iat = *iat_value;
  }
  if (const json::value* username = obj->if_contains("username")) {
    const json::string* s = username->if_string();
    if (s == nullptr) return TokenError::kBadClaims;
    claims.username.assign(s->data(), s->size());
  }
  for (auto [name, field] : {std::pair{"jti", &claims.jti}, std::pair{"fam", &claims.fam}}) {
    if (const json::value* v = obj->if_contains(name)) {
      const json::string* s = v->if_string();
      if (s == nullptr || s->empty()) return TokenError::kBadClaims;
      field->emplace(s->data(), s->size());
    }
  }
  return claims;
}

}  // namespace chatd::auth::detail
