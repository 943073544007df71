#include "realtime/socketio/decoder.hpp"

#include <algorithm>

#include "core/utf8.hpp"
#include "realtime/socketio/json_reader.hpp"
#include "realtime/socketio/json_writer.hpp"

namespace chatd::socketio {
namespace json = boost::json;
namespace {

// Number.MAX_SAFE_INTEGER: JavaScript peers cannot represent larger ids exactly.
constexpr std::uint64_t kMaxAckId = (std::uint64_t{1} << 53) - 1;
constexpr std::size_t kMaxAckIdDigits = 16;
// More digits than any sane max_attachments; keeps the count from overflowing.
constexpr std::size_t kMaxCountDigits = 9;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_binary_type(PacketType t) {
  return t == PacketType::binary_event || t == PacketType::binary_ack;
}

// Events and acks: what a deep payload refuses rather than ends the connection.
bool carries_arguments(PacketType t) {
  return t == PacketType::event || t == PacketType::ack || is_binary_type(t);
}

bool is_valid_namespace(std::string_view nsp) {
  if (std::any_of(nsp.begin(), nsp.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    return false;
  }
  return core::valid_utf8(nsp);
}

// Every {"_placeholder":true,...} must point at one of the `count` attachments; upstream throws
// "illegal attachments" for the same. Recursion depth is bounded by the parser's max_depth.
bool placeholders_valid(const json::value& v, std::size_t count) {
  if (const json::array* arr = v.if_array()) {
    return std::all_of(arr->begin(), arr->end(),
                       [count](const json::value& e) { return placeholders_valid(e, count); });
  }
  const json::object* obj = v.if_object();
  if (obj == nullptr) return true;
  const json::value* flag = obj->if_contains("_placeholder");
  if (flag != nullptr && flag->is_bool() && flag->get_bool()) {
    if (!is_placeholder(v)) return false;
    const json::value& num = obj->at("num");
    const std::uint64_t index =
        num.is_uint64() ? num.get_uint64() : static_cast<std::uint64_t>(num.get_int64());
    return index < count;
  }
  return std::all_of(obj->begin(), obj->end(), [count](const json::key_value_pair& kv) {
    return placeholders_valid(kv.value(), count);
  });
}

// The header fields after the packet type, read from s at i, which moves past what was read.
// Each returns the error to report, or nullopt.

// "<count>-" of a binary packet: at least one attachment.
std::optional<Error> read_attachment_count(std::string_view s, std::size_t& i, std::size_t& count) {
  const std::size_t start = i;
  while (i < s.size() && is_digit(s[i]) && i - start < kMaxCountDigits) {
    count = count * 10 + static_cast<std::size_t>(s[i] - '0');
    ++i;
  }
  if (i == start || i >= s.size() || s[i] != '-') {
    // Ran out of digit budget on a huge count: that is "too many", not malformed.
    if (i - start == kMaxCountDigits && i < s.size() && is_digit(s[i]))
      return Error::too_many_attachments;
    return Error::bad_attachment_count;
  }
  ++i;  // '-'
  if (count == 0) return Error::bad_attachment_count;
  return std::nullopt;
}

// "/name," when the namespace is not the main one.
std::optional<Error> read_namespace(std::string_view s, std::size_t& i, std::string& nsp) {
  if (i >= s.size() || s[i] != '/') return std::nullopt;
  const std::size_t comma = s.find(',', i);
  const std::size_t end = comma == std::string_view::npos ? s.size() : comma;
  const std::string_view name = s.substr(i, end - i);
  if (!is_valid_namespace(name)) return Error::bad_namespace;
  nsp.assign(name);
  i = comma == std::string_view::npos ? s.size() : comma + 1;
  return std::nullopt;
}

// The ack id, when the sender wants an acknowledgement.
std::optional<Error> read_ack_id(std::string_view s, std::size_t& i,
                                 std::optional<std::uint64_t>& ack_id) {
  if (i >= s.size() || !is_digit(s[i])) return std::nullopt;
  const std::size_t start = i;
  std::uint64_t id = 0;
  while (i < s.size() && is_digit(s[i])) {
    if (i - start == kMaxAckIdDigits) return Error::bad_id;
    id = id * 10 + static_cast<std::uint64_t>(s[i] - '0');
    ++i;
  }
  if (id > kMaxAckId) return Error::bad_id;
  ack_id = id;
  return std::nullopt;
}

// nullopt when the payload suits the type, else the error to report.
std::optional<Error> check_payload(PacketType type, const json::value& data, bool present) {
  switch (type) {
    case PacketType::connect:
      return !present || data.is_object() ? std::nullopt : std::optional(Error::bad_payload);
    case PacketType::disconnect:
      return present ? std::optional(Error::bad_payload) : std::nullopt;
    case PacketType::event:
    case PacketType::binary_event: {
      if (!present) return Error::bad_payload;
      const json::array* arr = data.if_array();
      if (arr == nullptr || arr->empty()) return Error::bad_payload;
      const json::value& name = arr->front();
      if (name.is_string()) {
        return is_reserved_event(name.get_string()) ? std::optional(Error::reserved_event)
                                                    : std::nullopt;
      }
      // A number that overflowed to infinity would be sent back as null, no longer a name.
      return is_finite_number(name) ? std::nullopt : std::optional(Error::bad_payload);
    }
    case PacketType::ack:
    case PacketType::binary_ack:
      return present && data.is_array() ? std::nullopt : std::optional(Error::bad_payload);
    case PacketType::connect_error:
      return present && (data.is_object() || data.is_string()) ? std::nullopt
                                                               : std::optional(Error::bad_payload);
  }
  return Error::unknown_type;
}

}  // namespace

std::string_view to_string(Error error) {
  switch (error) {
    case Error::empty_packet:
      return "empty packet";
    case Error::unknown_type:
      return "unknown packet type";
    case Error::bad_attachment_count:
      return "illegal attachments";
    case Error::too_many_attachments:
      return "too many attachments";
    case Error::bad_namespace:
      return "invalid namespace";
    case Error::bad_id:
      return "invalid ack id";
    case Error::bad_json:
      return "invalid JSON payload";
    case Error::bad_payload:
      return "invalid payload";
    case Error::reserved_event:
      return "reserved event name";
    case Error::bad_placeholder:
      return "invalid binary placeholder";
    case Error::unexpected_binary:
      return "got binary data when not reconstructing a packet";
    case Error::unexpected_text:
      return "got plaintext data when reconstructing a packet";
    case Error::too_deep:
      return "payload nested too deeply";
  }
  return "unknown error";
}

void Decoder::reset() {
  pending_.reset();
  expected_ = 0;
  pending_refused_ = false;
  received_ = 0;
}

DecodeStep Decoder::fail(Error error) {
  reset();
  DecodeStep step;
  step.status = DecodeStep::Status::error;
  step.error = error;
  return step;
}

DecodeStep Decoder::add_text(std::string_view s) {
  if (awaiting_binary()) return fail(Error::unexpected_text);
  if (s.empty()) return fail(Error::empty_packet);
  if (s[0] < '0' || s[0] > '6') return fail(Error::unknown_type);

  Packet p;
  p.type = static_cast<PacketType>(s[0] - '0');
  std::size_t i = 1;
  std::size_t attachments = 0;
  if (is_binary_type(p.type)) {
    if (auto err = read_attachment_count(s, i, attachments)) return fail(*err);
    if (attachments > options_.max_attachments) return fail(Error::too_many_attachments);
  }
  if (auto err = read_namespace(s, i, p.nsp)) return fail(*err);
  if (auto err = read_ack_id(s, i, p.id)) return fail(*err);

  const bool present = i < s.size();
  if (present) {
    JsonFailure why = JsonFailure::malformed;
    auto data = parse_json(s.substr(i), options_.max_json_depth, why);
    if (!data && why == JsonFailure::too_deep && carries_arguments(p.type))
      return refuse(std::move(p), attachments);
    if (!data) return fail(Error::bad_json);
    p.data = std::move(*data);
  }
  if (auto err = check_payload(p.type, p.data, present)) return fail(*err);

  if (!is_binary_type(p.type)) {
    DecodeStep step;
    step.status = DecodeStep::Status::packet;
    step.packet = std::move(p);
    return step;
  }

  // Checked now rather than when the last attachment arrives, so a bad header costs no
  // buffering.
  if (!placeholders_valid(p.data, attachments)) return fail(Error::bad_placeholder);
  p.type = p.type == PacketType::binary_event ? PacketType::event : PacketType::ack;
  p.attachments.reserve(attachments);
  pending_ = std::make_unique<Packet>(std::move(p));
  expected_ = attachments;
  return DecodeStep{};
}

// A refused binary packet still takes the attachments its header announced (so that they are
// not read as packets of their own), then is reported.
DecodeStep Decoder::refuse(Packet packet, std::size_t attachments) {
  if (is_binary_type(packet.type))
    packet.type = packet.type == PacketType::binary_event ? PacketType::event : PacketType::ack;
  DecodeStep step;
  if (attachments > 0) {
    pending_ = std::make_unique<Packet>(std::move(packet));
    pending_refused_ = true;
    expected_ = attachments;
    received_ = 0;
    return step;
  }
  step.status = DecodeStep::Status::refused;
  step.error = Error::too_deep;
  step.packet = std::move(packet);
  return step;
}

DecodeStep Decoder::add_binary(std::string bytes) {
  if (!awaiting_binary()) return fail(Error::unexpected_binary);
  if (pending_refused_) {
    if (++received_ < expected_) return DecodeStep{};
    DecodeStep step;
    step.status = DecodeStep::Status::refused;
    step.error = Error::too_deep;
    step.packet = std::move(*pending_);
    reset();
    return step;
  }
  pending_->attachments.push_back(std::move(bytes));
  if (pending_->attachments.size() < expected_) return DecodeStep{};
  DecodeStep step;
  step.status = DecodeStep::Status::packet;
  step.packet = std::move(*pending_);
  reset();
  return step;
}

}  // namespace chatd::socketio
