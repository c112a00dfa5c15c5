// AnyMessage: the run-time choice of message type by api key and direction.
#include "protocol/any_message.h"

#include <gtest/gtest.h>

#include "protocol/api.h"
#include "protocol/generated/all_messages.h"

namespace fjord::msg {
namespace {

TEST(AnyMessage, EveryApiInTheTableHasARequestAndAResponse) {
  for (const ApiInfo& api : all_apis()) {
    SCOPED_TRACE(api.name);
    auto request = make_message(api.key, MessageKind::kRequest);
    auto response = make_message(api.key, MessageKind::kResponse);
    ASSERT_NE(request, nullptr);
    ASSERT_NE(response, nullptr);
    EXPECT_EQ(request->api_key(), api.key);
    EXPECT_EQ(response->api_key(), api.key);
    EXPECT_TRUE(request->name().ends_with("Request"));
    EXPECT_TRUE(response->name().ends_with("Response"));
    EXPECT_EQ(request->min_version(), api.min_version);
    EXPECT_EQ(request->max_version(), api.max_version);
  }
}

TEST(AnyMessage, UnknownKeysHaveNoMessage) {
  EXPECT_EQ(make_message(-1, MessageKind::kRequest), nullptr);
  EXPECT_EQ(make_message(9999, MessageKind::kResponse), nullptr);
  std::unique_ptr<AnyMessage> m;
  EXPECT_EQ(decode_message(9999, MessageKind::kRequest, 0, {}, m),
            DecodeError::kUnsupportedVersion);
}

TEST(AnyMessage, DecodesIntoTheConcreteType) {
  MetadataRequest req;
  req.topics->push_back({});
  req.topics->back().name = "orders";
  Bytes bytes;
  Writer w(bytes);
  req.encode(w, 4);

  std::unique_ptr<AnyMessage> m;
  ASSERT_EQ(decode_message(MetadataRequest::kApiKey, MessageKind::kRequest, 4, bytes, m),
            DecodeError::kNone);
  ASSERT_NE(m->as<MetadataRequest>(), nullptr);
  EXPECT_EQ(m->as<MetadataResponse>(), nullptr);
  EXPECT_EQ(*m->as<MetadataRequest>(), req);
  EXPECT_EQ(m->encoded_size(4), bytes.size());

  std::unique_ptr<AnyMessage> same;
  ASSERT_EQ(decode_message(MetadataRequest::kApiKey, MessageKind::kRequest, 4, bytes, same),
            DecodeError::kNone);
  EXPECT_TRUE(m->equals(*same));
  EXPECT_FALSE(m->equals(*make_message(MetadataRequest::kApiKey, MessageKind::kResponse)));
}

TEST(AnyMessage, RejectsTrailingBytesAndBadVersions) {
  Bytes bytes;
  Writer w(bytes);
  MetadataRequest{}.encode(w, 4);
  bytes.push_back(0);
  std::unique_ptr<AnyMessage> m;
  EXPECT_EQ(decode_message(MetadataRequest::kApiKey, MessageKind::kRequest, 4, bytes, m),
            DecodeError::kTrailingBytes);
  EXPECT_EQ(decode_message(MetadataRequest::kApiKey, MessageKind::kRequest, 99, bytes, m),
            DecodeError::kUnsupportedVersion);
}

}  // namespace
}  // namespace fjord::msg
