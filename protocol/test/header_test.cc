#include "protocol/header.h"

#include <gtest/gtest.h>

namespace fjord {
namespace {

Bytes encode(const RequestHeader& h, int16_t version) {
  Bytes out;
  Writer w(out);
  h.encode(w, version);
  EXPECT_EQ(out.size(), h.encoded_size(version));
  return out;
}

RequestHeader sample() {
  RequestHeader h;
  h.api_key = 3;
  h.api_version = 1;
  h.correlation_id = 0x01020304;
  h.client_id = "ab";
  return h;
}

TEST(RequestHeader, V0HasNoClientId) {
  EXPECT_EQ(encode(sample(), 0), (Bytes{0, 3, 0, 1, 1, 2, 3, 4}));
}

TEST(RequestHeader, V1AddsAClassicNullableClientId) {
  EXPECT_EQ(encode(sample(), 1), (Bytes{0, 3, 0, 1, 1, 2, 3, 4, 0, 2, 'a', 'b'}));
  RequestHeader h = sample();
  h.client_id.reset();
  EXPECT_EQ(encode(h, 1), (Bytes{0, 3, 0, 1, 1, 2, 3, 4, 0xff, 0xff}));
}

TEST(RequestHeader, V2KeepsTheClassicClientIdAndAddsTaggedFields) {
  EXPECT_EQ(encode(sample(), 2), (Bytes{0, 3, 0, 1, 1, 2, 3, 4, 0, 2, 'a', 'b', 0}));
  RequestHeader h = sample();
  h.unknown_tagged_fields.push_back({7, {0xaa}});
  const Bytes bytes = encode(h, 2);
  EXPECT_EQ(bytes, (Bytes{0, 3, 0, 1, 1, 2, 3, 4, 0, 2, 'a', 'b', 1, 7, 1, 0xaa}));
  RequestHeader decoded;
  Reader r(bytes);
  ASSERT_EQ(decoded.decode(r, 2), DecodeError::kNone);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(decoded, h);
}

TEST(RequestHeader, DecodeChoosesTheVersionFromTheApiTable) {
  struct Case {
    int16_t key, version, header_version;
  };
  for (Case c : {Case{3, 8, 1}, Case{3, 9, 2}, Case{0, 9, 2}, Case{7, 0, 0}, Case{7, 1, 1},
                 Case{18, 3, 2}, Case{18, 99, 2}, Case{17, 1, 1}}) {
    RequestHeader h = sample();
    h.api_key = c.key;
    h.api_version = c.version;
    const Bytes bytes = encode(h, c.header_version);
    RequestHeader decoded;
    Reader r(bytes);
    ASSERT_EQ(decode_request_header(r, decoded), DecodeError::kNone) << c.key << " v" << c.version;
    EXPECT_TRUE(r.at_end()) << c.key << " v" << c.version;
    if (c.header_version == 0) h.client_id.reset();
    EXPECT_EQ(decoded, h);
  }
}

TEST(RequestHeader, UnknownApiKeyIsReportedAfterTheCorrelationId) {
  const Bytes bytes{0x03, 0xe8, 0, 0, 0, 0, 0, 9};
  RequestHeader h;
  Reader r(bytes);
  EXPECT_EQ(decode_request_header(r, h), DecodeError::kUnsupportedVersion);
  EXPECT_EQ(h.api_key, 1000);
  EXPECT_EQ(h.correlation_id, 9);
}

TEST(RequestHeader, TruncatedInputIsAnError) {
  RequestHeader flexible = sample();
  flexible.api_version = 9;  // Metadata v9: header v2
  const Bytes bytes = encode(flexible, 2);
  for (size_t len = 0; len < bytes.size(); ++len) {
    RequestHeader h;
    Reader r(ByteView(bytes.data(), len));
    EXPECT_NE(decode_request_header(r, h), DecodeError::kNone) << len;
  }
}

TEST(ResponseHeader, V0AndV1) {
  ResponseHeader h;
  h.correlation_id = 5;
  for (int16_t v : {0, 1}) {
    Bytes out;
    Writer w(out);
    h.encode(w, v);
    EXPECT_EQ(out.size(), h.encoded_size(v));
    EXPECT_EQ(out, (v == 0 ? Bytes{0, 0, 0, 5} : Bytes{0, 0, 0, 5, 0}));
    ResponseHeader decoded;
    Reader r(out);
    ASSERT_EQ(decoded.decode(r, v), DecodeError::kNone);
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(decoded, h);
  }
}

}  // namespace
}  // namespace fjord
