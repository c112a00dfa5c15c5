#include "protocol/any_message.h"

#include <array>

#include "protocol/api_codec.h"
#include "protocol/generated/all_messages.h"

namespace fjord::msg {
namespace {

using Factory = std::unique_ptr<AnyMessage> (*)();

// Indexed by api key; request and response factories. Kafka's api keys are dense and small.
constexpr size_t kMaxKeys = 256;
struct FactoryTable {
  std::array<Factory, kMaxKeys> request{};
  std::array<Factory, kMaxKeys> response{};
};

template <typename T>
std::unique_ptr<AnyMessage> make() {
  return std::make_unique<MessageOf<T>>();
}

template <typename T>
void add(FactoryTable& table) {
  // Only API messages: the generated set also holds record types (__consumer_offsets, ...).
  if constexpr (requires { T::kApiKey; }) {
    static_assert(T::kApiKey >= 0 && static_cast<size_t>(T::kApiKey) < kMaxKeys);
    auto& slot = T::kName.ends_with("Request") ? table.request : table.response;
    slot[static_cast<size_t>(T::kApiKey)] = &make<T>;
  }
}

const FactoryTable& factories() {
  static const FactoryTable table = [] {
    FactoryTable t;
#define FJORD_ADD(T) add<T>(t);
    FJORD_ALL_MESSAGES(FJORD_ADD)
#undef FJORD_ADD
    return t;
  }();
  return table;
}

}  // namespace

std::unique_ptr<AnyMessage> make_message(int16_t api_key, MessageKind kind) {
  if (api_key < 0 || static_cast<size_t>(api_key) >= kMaxKeys) return nullptr;
  const FactoryTable& t = factories();
  const Factory f = (kind == MessageKind::kRequest ? t.request : t.response)[api_key];
  return f != nullptr ? f() : nullptr;
}

DecodeError decode_message(int16_t api_key, MessageKind kind, int16_t version, ByteView body,
                           std::unique_ptr<AnyMessage>& out) {
  out = make_message(api_key, kind);
  if (out == nullptr) return DecodeError::kUnsupportedVersion;
  return decode_exact(*out, body, version);
}

}  // namespace fjord::msg
