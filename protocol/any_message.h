// AnyMessage is a request or response body whose type is chosen at run time by api key and
// direction: for the code paths that handle every API alike (logging a frame, tools that dump
// traffic, the protocol fuzzer) rather than one handler's own type. The table behind
// make_message is built from FJORD_ALL_MESSAGES, so it covers every generated API message and
// cannot fall behind the schemas. Not thread-safe per instance; make_message is.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "protocol/wire.h"

namespace fjord::msg {

enum class MessageKind : uint8_t { kRequest, kResponse };

class AnyMessage {
 public:
  virtual ~AnyMessage() = default;

  virtual std::string_view name() const = 0;
  virtual int16_t api_key() const = 0;
  virtual int16_t min_version() const = 0;
  virtual int16_t max_version() const = 0;

  // The generated codec of the concrete type (see protocol/generated/*.h).
  virtual DecodeError decode(Reader& r, int16_t version) = 0;
  virtual void encode(Writer& w, int16_t version) const = 0;
  virtual size_t encoded_size(int16_t version) const = 0;
  virtual bool can_encode(int16_t version) const = 0;
  // Same concrete type and equal fields.
  virtual bool equals(const AnyMessage& other) const = 0;

  // The concrete message, or nullptr if this holds another type.
  template <typename T>
  T* as();
};

template <typename T>
class MessageOf final : public AnyMessage {
 public:
  T value;

  std::string_view name() const override { return T::kName; }
  int16_t api_key() const override { return T::kApiKey; }
  int16_t min_version() const override { return T::kMinVersion; }
  int16_t max_version() const override { return T::kMaxVersion; }
  DecodeError decode(Reader& r, int16_t version) override { return value.decode(r, version); }
  void encode(Writer& w, int16_t version) const override { value.encode(w, version); }
  size_t encoded_size(int16_t version) const override { return value.encoded_size(version); }
  bool can_encode(int16_t version) const override { return value.can_encode(version); }
  bool equals(const AnyMessage& other) const override {
    const auto* o = dynamic_cast<const MessageOf<T>*>(&other);
    return o != nullptr && o->value == value;
  }
};

template <typename T>
T* AnyMessage::as() {
  auto* m = dynamic_cast<MessageOf<T>*>(this);
  return m != nullptr ? &m->value : nullptr;
}

// A default-constructed message of the request or response type of `api_key`, or nullptr for
// a key with no generated codec.
std::unique_ptr<AnyMessage> make_message(int16_t api_key, MessageKind kind);

// Decodes one complete body (kTrailingBytes if input is left over) of the given API, direction
// and version. On success `out` holds the message; on failure it may hold a partial one, or be
// null for an unknown api key (kUnsupportedVersion).
DecodeError decode_message(int16_t api_key, MessageKind kind, int16_t version, ByteView body,
                           std::unique_ptr<AnyMessage>& out);

}  // namespace fjord::msg
