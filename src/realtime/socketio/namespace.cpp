#include "realtime/socketio/namespace.hpp"

#include "realtime/socketio/msgpack_codec.hpp"

namespace chatd::socketio {

SharedPacket encode_packet(const Packet& packet, Parser parser) {
  auto out = std::make_shared<EncodedPacket>();
  if (parser == Parser::msgpack) {
    out->frames.push_back(engineio::binary_frame(encode_msgpack(packet)));
    return out;
  }
  std::string text = "4";
  append_text(text, packet);
  out->frames.push_back(engineio::text_frame(std::move(text)));
  for (const auto& bytes : packet.attachments) out->frames.push_back(engineio::binary_frame(bytes));
  return out;
}

SharedPacket encode_event_packet(std::string_view nsp, std::string_view event,
                                 std::span<const boost::json::value> args, Parser parser) {
  auto out = std::make_shared<EncodedPacket>();
  if (parser == Parser::msgpack) {
    out->frames.push_back(engineio::binary_frame(encode_msgpack_event(nsp, event, args)));
    return out;
  }
  std::string text = "4";
  append_event(text, nsp, event, args);
  out->frames.push_back(engineio::text_frame(std::move(text)));
  return out;
}

BroadcastOperator BroadcastOperator::to(const std::string& room) && {
  target_.rooms.push_back(room);
  return std::move(*this);
}

BroadcastOperator BroadcastOperator::except(const std::string& room) && {
  target_.except.push_back(room);
  return std::move(*this);
}

BroadcastOperator BroadcastOperator::local() && {
  target_.local = true;
  return std::move(*this);
}

BroadcastOperator BroadcastOperator::offset(std::int64_t offset) && {
  target_.offset = offset;
  return std::move(*this);
}

void BroadcastOperator::emit(std::string_view event,
                             std::span<const boost::json::value> args) const {
  nsp_->adapter().broadcast(encode_event_packet(nsp_->name(), event, args, nsp_->parser()),
                            target_);
}

void BroadcastOperator::emit_packet(Packet packet) const {
  packet.nsp = nsp_->name();
  nsp_->adapter().broadcast(encode_packet(packet, nsp_->parser()), target_);
}

}  // namespace chatd::socketio
