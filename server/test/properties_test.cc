#include "server/properties.h"

#include <gtest/gtest.h>

namespace fjord {
namespace {

TEST(PropertiesTest, ReadsKafkaStyleServerProperties) {
  Properties p = parse_properties(
      "# The id of the broker\n"
      "broker.id=0\n"
      "listeners = PLAINTEXT://:9092\n"
      "! another comment\n"
      "log.dirs: /tmp/kafka-logs\n"
      "num.partitions 3\n"
      "   zookeeper.connect=localhost:2181\n");
  EXPECT_EQ(p.size(), 5u);
  EXPECT_EQ(p["broker.id"], "0");
  EXPECT_EQ(p["listeners"], "PLAINTEXT://:9092");
  EXPECT_EQ(p["log.dirs"], "/tmp/kafka-logs");
  EXPECT_EQ(p["num.partitions"], "3");
  EXPECT_EQ(p["zookeeper.connect"], "localhost:2181");
}

TEST(PropertiesTest, ContinuationLinesEscapesAndCrLf) {
  Properties p = parse_properties(
      "log.dirs=/a,\\\n    /b\r\n"
      "key\\=with\\:seps=v\\tx\n"
      "unicode=\\u00e9\n"
      "empty=\n"
      "trailing.backslash=a\\\\\n");
  EXPECT_EQ(p["log.dirs"], "/a,/b");
  EXPECT_EQ(p["key=with:seps"], "v\tx");
  EXPECT_EQ(p["unicode"], "\xc3\xa9");
  EXPECT_EQ(p["empty"], "");
  EXPECT_EQ(p["trailing.backslash"], "a\\");
}

TEST(PropertiesTest, LaterKeysOverrideEarlierOnes) {
  Properties p = parse_properties("a=1\na=2\n");
  EXPECT_EQ(p["a"], "2");
}

}  // namespace
}  // namespace fjord
