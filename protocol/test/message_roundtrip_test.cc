// Every generated message at every version: a populated sample (generated fill()) encodes to
// exactly encoded_size() bytes, decodes back to an equal struct, re-encodes byte-identically,
// and every strict prefix of its encoding is rejected with a DecodeError.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/generated/samples.h"

namespace fjord::msg {
namespace {

struct Case {
  std::string name;
  int16_t min_version;
  int16_t max_version;
  void (*round_trip)(int16_t version, uint32_t seed);
  void (*truncations)(int16_t version);
};

template <typename T>
Bytes encode(const T& m, int16_t version) {
  Bytes out;
  Writer w(out);
  m.encode(w, version);
  return out;
}

template <typename T>
void round_trip(int16_t version, uint32_t seed) {
  T m;
  sample::fill(m, version, seed);
  ASSERT_TRUE(m.can_encode(version));
  const Bytes bytes = encode(m, version);
  ASSERT_EQ(bytes.size(), m.encoded_size(version));

  T decoded;
  Reader r(bytes);
  ASSERT_EQ(decoded.decode(r, version), DecodeError::kNone);
  EXPECT_TRUE(r.at_end());
  EXPECT_TRUE(decoded == m);
  EXPECT_EQ(encode(decoded, version), bytes);
}

template <typename T>
void truncations(int16_t version) {
  T m;
  sample::fill(m, version, 1);
  const Bytes bytes = encode(m, version);
  for (size_t len = 0; len < bytes.size(); ++len) {
    T decoded;
    Reader r(ByteView(bytes.data(), len));
    EXPECT_NE(decoded.decode(r, version), DecodeError::kNone) << "prefix of " << len;
  }
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
#define FJORD_CASE(T) \
  cases.push_back({#T, T::kMinVersion, T::kMaxVersion, &round_trip<T>, &truncations<T>});
  FJORD_ALL_MESSAGES(FJORD_CASE)
#undef FJORD_CASE
  return cases;
}

class MessageTest : public testing::TestWithParam<Case> {};

TEST_P(MessageTest, RoundTripsEveryVersion) {
  const Case& c = GetParam();
  for (int16_t v = c.min_version; v <= c.max_version; ++v) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      SCOPED_TRACE("version " + std::to_string(v) + " seed " + std::to_string(seed));
      c.round_trip(v, seed);
    }
  }
}

TEST_P(MessageTest, RejectsEveryTruncation) {
  const Case& c = GetParam();
  for (int16_t v = c.min_version; v <= c.max_version; ++v) {
    SCOPED_TRACE("version " + std::to_string(v));
    c.truncations(v);
  }
}

INSTANTIATE_TEST_SUITE_P(AllMessages, MessageTest, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

template <typename T>
void expect_version_range_checked() {
  T m;
  Bytes empty;
  Reader r1(empty);
  EXPECT_EQ(m.decode(r1, static_cast<int16_t>(T::kMinVersion - 1)),
            DecodeError::kUnsupportedVersion)
      << T::kName;
  Reader r2(empty);
  EXPECT_EQ(m.decode(r2, static_cast<int16_t>(T::kMaxVersion + 1)),
            DecodeError::kUnsupportedVersion)
      << T::kName;
}

TEST(MessageVersions, DecodeRejectsVersionsOutsideTheRange) {
#define FJORD_CHECK(T) expect_version_range_checked<T>();
  FJORD_ALL_MESSAGES(FJORD_CHECK)
#undef FJORD_CHECK
}

}  // namespace
}  // namespace fjord::msg
