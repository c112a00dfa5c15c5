// Frames captured from real clients talking to Kafka 3.9 (golden/README.md): every one decodes
// with the generated codecs, consumes every byte, and re-encodes to the identical bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/any_message.h"
#include "protocol/api.h"
#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "protocol/test/golden_files.h"

namespace fjord::msg {
namespace {

TEST(GoldenFrames, DecodeAndReencodeByteForByte) {
  std::ifstream manifest_file(golden::path("manifest.json"));
  ASSERT_TRUE(manifest_file) << golden::path("manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(manifest_file);
  int checked = 0;
  for (const auto& entry : manifest) {
    const std::string file = entry.at("file");
    SCOPED_TRACE(file);
    const Bytes frame = golden::read(file);
    ASSERT_EQ(frame.size(), entry.at("size").get<size_t>());
    const int16_t key = entry.at("api_key");
    const int16_t version = entry.at("api_version");
    const int16_t header_version = entry.at("header_version");
    const bool is_request = entry.at("direction") == "request";
    const ApiInfo* api = find_api(key);
    ASSERT_NE(api, nullptr);

    Reader r(frame);
    Bytes reencoded;
    Writer w(reencoded);
    if (is_request) {
      EXPECT_EQ(api->request_header_version(version), header_version);
      RequestHeader header;
      ASSERT_EQ(decode_request_header(r, header), DecodeError::kNone);
      EXPECT_EQ(header.api_version, version);
      EXPECT_EQ(header.correlation_id, entry.at("correlation_id").get<int32_t>());
      header.encode(w, header_version);
    } else {
      EXPECT_EQ(api->response_header_version(version), header_version);
      ResponseHeader header;
      ASSERT_EQ(header.decode(r, header_version), DecodeError::kNone);
      EXPECT_EQ(header.correlation_id, entry.at("correlation_id").get<int32_t>());
      header.encode(w, header_version);
    }
    std::unique_ptr<AnyMessage> body;
    const ByteView body_bytes = ByteView(frame).subspan(r.position());
    ASSERT_EQ(decode_message(key, is_request ? MessageKind::kRequest : MessageKind::kResponse,
                             version, body_bytes, body),
              DecodeError::kNone);
    EXPECT_EQ(body->encoded_size(version), body_bytes.size());
    body->encode(w, version);
    EXPECT_EQ(reencoded, frame);
    ++checked;
  }
  EXPECT_GE(checked, 90);
}

TEST(GoldenFrames, FieldsOfAJavaProduceRequest) {
  const Bytes frame = golden::read("java-3.9.0/produce_v11_request.bin");
  Reader r(frame);
  RequestHeader header;
  ASSERT_EQ(decode_request_header(r, header), DecodeError::kNone);
  EXPECT_EQ(header.client_id, "golden-java-producer");
  ProduceRequest req;
  ASSERT_EQ(req.decode(r, header.api_version), DecodeError::kNone);
  ASSERT_EQ(req.topic_data.size(), 1u);
  EXPECT_EQ(req.topic_data[0].name, "golden-java");
  ASSERT_EQ(req.topic_data[0].partition_data.size(), 1u);
  const RecordsRef& records = req.topic_data[0].partition_data[0].records;
  ASSERT_GT(records.size(), 61);                  // at least one magic-2 batch header
  EXPECT_EQ(records.bytes[16], 2);                // magic
  EXPECT_GE(records.bytes.data(), frame.data());  // a view into the frame
  EXPECT_LE(records.bytes.data() + records.bytes.size(), frame.data() + frame.size());
}

}  // namespace
}  // namespace fjord::msg
