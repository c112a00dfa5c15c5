// libFuzzer target: arbitrary bytes as a request frame (without its 4-byte size prefix), read
// the way the broker reads one: decode_request_header, then the body with the generated type
// of that api key and version. The same body is also decoded as the API's response, which is
// what the broker's own client (replica fetcher, controller channel) parses from peers.
//
// Oracle: whatever decodes must re-encode. Canonical input comes back byte for byte.
// Kafka also accepts non-canonical forms that re-encode differently but mean the same (a bool
// byte other than 0/1, a varint with redundant continuation bytes, tagged fields out of order
// or repeated, a nullable-struct marker other than 1), so when the bytes differ the
// re-encoding must decode to an equal message and be a fixed point of decode -> encode.
// encoded_size must match what encode writes. Any violation aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "protocol/any_message.h"
#include "protocol/api.h"
#include "protocol/header.h"

namespace {

using fjord::Bytes;
using fjord::ByteView;
using fjord::DecodeError;
using fjord::Reader;
using fjord::Writer;
using fjord::msg::AnyMessage;
using fjord::msg::MessageKind;

[[noreturn]] void fail(const char* what, std::string_view name, int16_t version) {
  std::fprintf(stderr, "fuzz_request: %s: %.*s v%d\n", what, static_cast<int>(name.size()),
               name.data(), version);
  std::abort();
}

// encode(m) at version must be `input` when the input was canonical, and otherwise the
// canonical form of an equal message.
template <typename Message, typename Decode>
void check_reencode(const Message& m, int16_t version, ByteView input, std::string_view name,
                    Decode&& decode_again) {
  Bytes out;
  Writer w(out);
  m.encode(w, version);
  if (out.size() != m.encoded_size(version))
    fail("encoded_size differs from encode", name, version);
  if (out.size() == input.size() && std::equal(out.begin(), out.end(), input.begin())) return;
  // Non-canonical input: shortening varints or dropping a repeated tag only ever shrinks it.
  if (out.size() > input.size()) fail("re-encoding is longer than the input", name, version);
  Bytes again;
  if (!decode_again(ByteView(out), again)) fail("re-encoding does not decode equal", name, version);
  if (again != out) fail("re-encoding is not a fixed point", name, version);
}

void check_body(int16_t key, MessageKind kind, int16_t version, ByteView body) {
  std::unique_ptr<AnyMessage> m;
  if (fjord::msg::decode_message(key, kind, version, body, m) != DecodeError::kNone) return;
  if (!m->can_encode(version)) fail("decoded a message it cannot encode", m->name(), version);
  check_reencode(*m, version, body, m->name(), [&](ByteView bytes, Bytes& again) {
    std::unique_ptr<AnyMessage> m2;
    if (fjord::msg::decode_message(key, kind, version, bytes, m2) != DecodeError::kNone)
      return false;
    if (!m2->equals(*m)) return false;
    Writer w(again);
    m2->encode(w, version);
    return true;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView frame(data, size);
  Reader r(frame);
  fjord::RequestHeader header;
  if (fjord::decode_request_header(r, header) != DecodeError::kNone) return 0;
  const fjord::ApiInfo* api = fjord::find_api(header.api_key);
  if (api == nullptr) fail("decoded a header of an unknown api", "RequestHeader", 0);
  const int16_t header_version = api->request_header_version(header.api_version);
  check_reencode(header, header_version, frame.first(r.position()), "RequestHeader",
                 [&](ByteView bytes, Bytes& again) {
                   Reader r2(bytes);
                   fjord::RequestHeader h2;
                   if (fjord::decode_request_header(r2, h2) != DecodeError::kNone || !r2.at_end() ||
                       !(h2 == header))
                     return false;
                   Writer w(again);
                   h2.encode(w, header_version);
                   return true;
                 });
  const ByteView body = frame.subspan(r.position());
  check_body(header.api_key, MessageKind::kRequest, header.api_version, body);
  check_body(header.api_key, MessageKind::kResponse, header.api_version, body);
  return 0;
}
