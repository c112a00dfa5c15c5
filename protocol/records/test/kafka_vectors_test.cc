// Record batches written by a real Apache Kafka 0.11 broker (as captured in kafka-python's test
// suite): our reader must accept them and our builder must reproduce them byte for byte.
#include <gtest/gtest.h>

#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/record_batch.h"

namespace fjord {
namespace {

// Base offset 0, leader epoch 1, one record: null key, value "123".
const uint8_t kBatchOne[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3b,
                             0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x18, 0xa2, 0x70, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x5d, 0xff, 0x7b, 0x06, 0x3c, 0x00,
                             0x00, 0x01, 0x5d, 0xff, 0x7b, 0x06, 0x3c, 0xff, 0xff, 0xff, 0xff, 0xff,
                             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
                             0x01, 0x12, 0x00, 0x00, 0x00, 0x01, 0x06, 0x31, 0x32, 0x33, 0x00};
// Base offset 1, leader epoch 2, two records with null keys and empty values.
const uint8_t kBatchTwo[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x02,
    0x02, 0xc8, 0x5c, 0xbd, 0x23, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x5d, 0xff,
    0x7c, 0xdd, 0x6c, 0x00, 0x00, 0x01, 0x5d, 0xff, 0x7c, 0xde, 0x14, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x0e, 0x00, 0xd0, 0x02, 0x02, 0x01, 0x00, 0x00};

TEST(KafkaVectorsTest, ReadsBatchesWrittenByKafka) {
  Bytes records(std::begin(kBatchOne), std::end(kBatchOne));
  records.insert(records.end(), std::begin(kBatchTwo), std::end(kBatchTwo));
  BatchIterator it(records);
  BatchEntry entry;
  DecompressionBuffer scratch;
  std::vector<int64_t> offsets, timestamps;
  std::vector<std::string> values;
  while (it.next(entry)) {
    auto batch = RecordBatchView::parse(entry.bytes);
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->validate_records(scratch), RecordError::kNone);
    auto reader = batch->records(scratch);
    Record r;
    while (reader->next(r)) {
      EXPECT_FALSE(r.key);
      offsets.push_back(r.offset);
      timestamps.push_back(r.timestamp);
      values.emplace_back(r.value->begin(), r.value->end());
    }
  }
  EXPECT_FALSE(it.truncated_tail());
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(values, (std::vector<std::string>{"123", "", ""}));
  EXPECT_EQ(timestamps[0], 0x15dff7b063c);
  EXPECT_EQ(timestamps[1], 0x15dff7cdd6c);
  EXPECT_EQ(timestamps[2], 0x15dff7cdd6c + 168);
}

TEST(KafkaVectorsTest, BuilderReproducesKafkaBytes) {
  BatchOptions options;
  options.partition_leader_epoch = 1;
  RecordBatchBuilder one(options);
  one.append(0x15dff7b063c, std::nullopt, as_bytes("123"));
  Bytes out;
  ASSERT_EQ(one.build(out), RecordError::kNone);
  EXPECT_EQ(out, Bytes(std::begin(kBatchOne), std::end(kBatchOne)));

  options.partition_leader_epoch = 2;
  options.base_offset = 1;
  RecordBatchBuilder two(options);
  two.append(0x15dff7cdd6c, std::nullopt, ByteView());
  two.append(0x15dff7cdd6c + 168, std::nullopt, ByteView());
  out.clear();
  ASSERT_EQ(two.build(out), RecordError::kNone);
  EXPECT_EQ(out, Bytes(std::begin(kBatchTwo), std::end(kBatchTwo)));
}

}  // namespace
}  // namespace fjord
