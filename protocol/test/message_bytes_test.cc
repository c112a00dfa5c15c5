// Generated codecs against bytes written by hand from the Kafka protocol guide, zero-copy
// records, file-region splices, hostile input, and the can_encode rules.
#include <gtest/gtest.h>

#include <string>

#include "protocol/api.h"
#include "protocol/generated/all_messages.h"
#include "protocol/header.h"

namespace fjord::msg {
namespace {

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }

template <typename T>
Bytes encode(const T& m, int16_t version) {
  Bytes out;
  Writer w(out);
  m.encode(w, version);
  EXPECT_EQ(out.size(), m.encoded_size(version));
  return out;
}

TEST(HandChecked, ApiVersionsV3Request) {
  // Request header v2 (classic client id, then tagged fields), then a compact body.
  const Bytes frame = cat({{0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01},
                           {0x00, 0x07},
                           str("rdkafka"),
                           {0x00},
                           {0x0b},
                           str("librdkafka"),
                           {0x06},
                           str("2.3.0"),
                           {0x00}});
  Reader r(frame);
  RequestHeader header;
  ASSERT_EQ(decode_request_header(r, header), DecodeError::kNone);
  EXPECT_EQ(header.api_key, 18);
  EXPECT_EQ(header.api_version, 3);
  EXPECT_EQ(header.correlation_id, 1);
  EXPECT_EQ(header.client_id, "rdkafka");
  ApiVersionsRequest req;
  ASSERT_EQ(req.decode(r, header.api_version), DecodeError::kNone);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(req.client_software_name, "librdkafka");
  EXPECT_EQ(req.client_software_version, "2.3.0");
}

TEST(HandChecked, MetadataV1Request) {
  const Bytes frame = cat({{0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 'c'},
                           {0x00, 0x00, 0x00, 0x02},
                           {0x00, 0x03},
                           str("foo"),
                           {0x00, 0x00}});
  Reader r(frame);
  RequestHeader header;
  ASSERT_EQ(decode_request_header(r, header), DecodeError::kNone);
  EXPECT_EQ(header.correlation_id, 7);
  EXPECT_EQ(header.client_id, "c");
  MetadataRequest req;
  ASSERT_EQ(req.decode(r, 1), DecodeError::kNone);
  EXPECT_TRUE(r.at_end());
  ASSERT_TRUE(req.topics.has_value());
  ASSERT_EQ(req.topics->size(), 2u);
  EXPECT_EQ((*req.topics)[0].name, "foo");
  EXPECT_EQ((*req.topics)[1].name, "");
  EXPECT_TRUE(req.allow_auto_topic_creation);  // v4+ field: default true below v4
  EXPECT_EQ(encode(req, 1), Bytes(frame.begin() + 11, frame.end()));

  // v1 made the topic list nullable: null means all topics.
  const Bytes all{0xff, 0xff, 0xff, 0xff};
  ASSERT_EQ(decode_exact(req, all, 1), DecodeError::kNone);
  EXPECT_FALSE(req.topics.has_value());
  EXPECT_EQ(decode_exact(req, all, 0), DecodeError::kNegativeLength);
}

TEST(HandChecked, ApiVersionsResponses) {
  ApiVersionsResponse resp;
  resp.api_keys.push_back({18, 0, 4});
  EXPECT_EQ(encode(resp, 0),
            (Bytes{0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x04}));
  resp.throttle_time_ms = 0x10;
  resp.finalized_features_epoch = 5;             // tag 1, written only when not the default -1
  EXPECT_EQ(encode(resp, 3), (Bytes{0x00, 0x00,  // error_code
                                    0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x04, 0x00,  // api_keys
                                    0x00, 0x00, 0x00, 0x10,                          // throttle
                                    0x01, 0x01, 0x08, 0,    0,    0,    0,    0,    0, 0, 0x05}));
}

TEST(Records, DecodeIsAViewIntoTheInput) {
  const Bytes body =
      cat({{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x03, 0xe8},  // null txn id, acks, timeout
           {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't'},
           {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02},
           {0x00, 0x00, 0x00, 0x03, 'x', 'y', 'z'}});
  ProduceRequest req;
  ASSERT_EQ(decode_exact(req, body, 3), DecodeError::kNone);
  EXPECT_FALSE(req.transactional_id.has_value());
  EXPECT_EQ(req.acks, -1);
  EXPECT_EQ(req.timeout_ms, 1000);
  const RecordsRef& records = req.topic_data.at(0).partition_data.at(0).records;
  EXPECT_EQ(req.topic_data[0].partition_data[0].index, 2);
  ASSERT_EQ(records.size(), 3);
  EXPECT_EQ(records.bytes.data(), body.data() + body.size() - 3);  // zero copy
}

TEST(Records, FileRegionsBecomeSplices) {
  for (int16_t version : {4, 12}) {
    FetchResponse resp;
    auto& partition = resp.responses.emplace_back().partitions.emplace_back();
    resp.responses[0].topic = "t";
    partition.records = RecordsRef::of(FileRegion{5, 100, 1000});
    Bytes out;
    std::vector<Splice> splices;
    Writer w(out, &splices);
    resp.encode(w, version);
    ASSERT_EQ(splices.size(), 1u);
    EXPECT_EQ(splices[0].region.fd, 5);
    EXPECT_EQ(splices[0].region.position, 100);
    EXPECT_EQ(resp.encoded_size(version), out.size() + 1000);
    // The length prefix sits right before the splice point; what follows is in memory.
    const size_t at = splices[0].offset;
    if (version == 4) {
      ASSERT_GE(at, 4u);
      EXPECT_EQ(Bytes(out.begin() + at - 4, out.begin() + at), (Bytes{0x00, 0x00, 0x03, 0xe8}));
    } else {
      ASSERT_GE(at, 2u);
      EXPECT_EQ(Bytes(out.begin() + at - 2, out.begin() + at), (Bytes{0xe9, 0x07}));  // 1001
    }
    EXPECT_EQ(at, version == 4 ? out.size() : out.size() - 3);  // v12: 3 tagged sections
  }
}

TEST(Malformed, NegativeAndHugeLengths) {
  MetadataRequest req;
  EXPECT_EQ(decode_exact(req, Bytes{0, 0, 0, 1, 0xff, 0xfe}, 1), DecodeError::kNegativeLength);
  EXPECT_EQ(decode_exact(req, Bytes{0xff, 0xff, 0xff, 0xfb}, 1), DecodeError::kNegativeLength);
  EXPECT_EQ(decode_exact(req, Bytes{0x7f, 0xff, 0xff, 0xff, 0, 0}, 1), DecodeError::kTooLarge);
  EXPECT_EQ(decode_exact(req, Bytes{0, 0, 0, 1, 0x7f, 0xff, 'a'}, 1), DecodeError::kTooLarge);
  // Flexible: a compact length whose varint never ends.
  EXPECT_EQ(decode_exact(req, Bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 9),
            DecodeError::kVarintTooLong);
  EXPECT_EQ(decode_exact(req, Bytes{0xff, 0xff, 0xff, 0xff, 0x0f}, 9), DecodeError::kTooLarge);
  ProduceRequest produce;
  EXPECT_EQ(decode_exact(produce, Bytes{0xff, 0xff, 0, 1, 0, 0, 0, 1, 0, 0,    0, 1, 0, 1,
                                        't',  0,    0, 0, 1, 0, 0, 0, 0, 0x80, 0, 0, 0},
                         3),
            DecodeError::kNegativeLength);  // records length -2^31
}

TEST(Malformed, TaggedFields) {
  ApiVersionsRequest req;
  // One tagged field claiming 16 bytes with 2 left.
  EXPECT_EQ(decode_exact(req, Bytes{0x01, 0x01, 0x01, 0x05, 0x10, 0xaa, 0xbb}, 3),
            DecodeError::kTruncated);
  ApiVersionsResponse resp;
  resp.finalized_features_epoch = 5;
  Bytes bytes = encode(resp, 3);
  // Known tag 1 (int64) with a 9-byte payload: the extra byte is an error, not ignored.
  Bytes bad(bytes.begin(), bytes.end() - 9);
  bad.insert(bad.end(), {0x09, 0, 0, 0, 0, 0, 0, 0, 5, 0xcc});
  EXPECT_EQ(decode_exact(resp, bad, 3), DecodeError::kTrailingBytes);
  // An unknown tag (4; 0-3 are known) survives decode -> encode byte for byte, in tag order.
  const Bytes with_unknown = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01,
                              0x08, 0,    0,    0,    0,    0,    0,    0,    0x05,
                              0x03, 0x01, 0x01, 0x04, 0x02, 0xde, 0xad};
  ApiVersionsResponse decoded;
  ASSERT_EQ(decode_exact(decoded, with_unknown, 3), DecodeError::kNone);
  EXPECT_EQ(decoded.finalized_features_epoch, 5);
  EXPECT_TRUE(decoded.zk_migration_ready);
  ASSERT_EQ(decoded.unknown_tagged_fields.size(), 1u);
  EXPECT_EQ(decoded.unknown_tagged_fields[0].tag, 4u);
  EXPECT_EQ(encode(decoded, 3), with_unknown);
  EXPECT_EQ(decode_exact(decoded, cat({with_unknown, {0x00}}), 3), DecodeError::kTrailingBytes);
}

TEST(CanEncode, NonIgnorableFieldsAreNotDroppedSilently) {
  ProduceRequest produce;
  produce.transactional_id = "txn";
  EXPECT_FALSE(produce.can_encode(2));  // Kafka: UnsupportedVersionException
  EXPECT_TRUE(produce.can_encode(3));

  MetadataRequest metadata;
  metadata.allow_auto_topic_creation = false;
  EXPECT_FALSE(metadata.can_encode(3));
  EXPECT_TRUE(metadata.can_encode(4));
  metadata.allow_auto_topic_creation = true;
  metadata.topics.reset();  // null: "all topics" exists from v1 on
  EXPECT_FALSE(metadata.can_encode(0));
  EXPECT_TRUE(metadata.can_encode(1));

  ApiVersionsRequest api_versions;
  api_versions.unknown_tagged_fields.push_back({9, {1}});
  EXPECT_FALSE(api_versions.can_encode(2));
  EXPECT_TRUE(api_versions.can_encode(3));
}

TEST(CanEncode, IgnorableFieldsAreDroppedForOldVersions) {
  ProduceResponse resp;
  auto& p = resp.responses.emplace_back().partition_responses.emplace_back();
  p.log_append_time_ms = 42;  // v2+, ignorable
  p.error_message = "oops";   // v8+, ignorable
  ASSERT_TRUE(resp.can_encode(1));
  ProduceResponse decoded;
  ASSERT_EQ(decode_exact(decoded, encode(resp, 1), 1), DecodeError::kNone);
  EXPECT_EQ(decoded.responses.at(0).partition_responses.at(0).log_append_time_ms, -1);
  EXPECT_FALSE(decoded.responses[0].partition_responses[0].error_message.has_value());
}

}  // namespace
}  // namespace fjord::msg
