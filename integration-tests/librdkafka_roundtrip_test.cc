// A librdkafka application produces to a 6-partition topic and reads everything back with
// assigned partitions (no group): with each compression codec and acks 0, 1 and all, every
// message comes back once, in order per partition, on the partition the client's partitioner
// chose, at the offset its delivery report named, with its key, headers and CreateTime
// timestamp. An idempotent producer whose requests time out and are retried writes no
// duplicates.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"
#include "protocol/generated/api_versions.h"

namespace fjord::itest {
namespace {

constexpr int32_t kPartitions = 6;
// 100k small messages for every codec and acks setting (the issue's figure): about 25 s
// against Fjord on 2 cores.
constexpr size_t kMessagesPerCase = 100'000;
constexpr const char* kAcks[] = {"0", "1", "all"};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string key_of(size_t seq) { return "key-" + std::to_string(seq); }
std::string value_of(size_t seq) {
  // Small, and repetitive enough for every codec to have something to compress.
  return "value-" + std::to_string(seq) + "-abcdefghijabcdefghijabcdefghij";
}
Headers headers_of(size_t seq, const std::string& label) {
  return {{"seq", std::to_string(seq)}, {"case", label}, {"empty", ""}};
}

// One broker for the whole file (both suites): starting Kafka takes seconds, and every case
// has its own topic. Stopped when the test program exits.
Broker& shared_broker() {
  static std::unique_ptr<Broker> broker = [] {
    auto b = make_broker();
    if (!b->unavailable_reason()) b->start();
    return b;
  }();
  return *broker;
}

class LibrdkafkaRoundtrip : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = &shared_broker();
    FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  }

  // Produces `count` messages with unique keys (the partitioner picks the partition) to a new
  // topic and checks what a consumer reads back against the delivery reports.
  static void round_trip(const std::string& topic, size_t count, const RdKafkaConfig& config,
                         bool offsets_reported);

  // The high watermarks of the topic's partitions, summed: how many records the log holds.
  static int64_t records_in(Producer& producer, const std::string& topic);

  static inline Broker* broker_ = nullptr;
};

int64_t LibrdkafkaRoundtrip::records_in(Producer& producer, const std::string& topic) {
  int64_t total = 0;
  for (int32_t p = 0; p < kPartitions; ++p) {
    int64_t low = -1, high = -1;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(producer.handle(), topic.c_str(), p, &low, &high, 10'000);
    EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    EXPECT_EQ(low, 0) << topic << "-" << p;
    total += high;
  }
  return total;
}

void LibrdkafkaRoundtrip::round_trip(const std::string& topic, size_t count,
                                     const RdKafkaConfig& config, bool offsets_reported) {
  create_topic(broker_->bootstrap(), topic, kPartitions);
  RdKafkaConfig all = {{"linger.ms", "5"}, {"message.timeout.ms", "60000"}};
  for (const auto& [k, v] : config) all[k] = v;
  Producer producer(broker_->bootstrap(), all);
  const int64_t base_ts = now_ms() - 3'600'000;
  for (size_t seq = 0; seq < count; ++seq) {
    producer.produce(topic, RD_KAFKA_PARTITION_UA, key_of(seq), value_of(seq), base_ts + seq,
                     headers_of(seq, topic), seq);
    if (seq % 1000 == 0) producer.poll();
  }
  ASSERT_TRUE(producer.flush()) << "delivery reports missing after 120 s";
  ASSERT_EQ(producer.delivered_ok(), count);

  auto consumed = consume_from_beginning(broker_->bootstrap(), topic, kPartitions, count);
  ASSERT_EQ(consumed.size(), count) << "messages missing from " << topic;
  EXPECT_EQ(records_in(producer, topic), static_cast<int64_t>(count)) << "extra records";

  std::vector<bool> seen(count, false);
  std::vector<int64_t> last_seq(kPartitions, -1);
  std::vector<int64_t> next_offset(kPartitions, 0);
  size_t failures = 0;
  for (const ConsumedMessage& m : consumed) {
    if (failures > 10) break;  // one broken case should not print 100k lines
    ASSERT_GE(m.partition, 0);
    ASSERT_LT(m.partition, kPartitions);
    ASSERT_FALSE(m.headers.empty()) << "no headers at " << m.partition << "/" << m.offset;
    ASSERT_EQ(m.headers[0].first, "seq");
    const size_t seq = std::stoul(m.headers[0].second);
    ASSERT_LT(seq, count);
    const Delivery& d = *producer.deliveries()[seq];
    const auto where = topic + "-" + std::to_string(m.partition) + "@" + std::to_string(m.offset);
    bool ok = true;
    auto check = [&](bool cond, const std::string& what) {
      if (!cond) {
        ADD_FAILURE() << where << " (message " << seq << "): " << what;
        ok = false;
      }
    };
    check(!seen[seq], "consumed twice");
    seen[seq] = true;
    check(m.offset == next_offset[m.partition], "offsets not contiguous");
    next_offset[m.partition] = m.offset + 1;
    check(static_cast<int64_t>(seq) > last_seq[m.partition], "out of order");
    last_seq[m.partition] = static_cast<int64_t>(seq);
    check(m.partition == d.partition,
          "partition differs from the delivery report's " + std::to_string(d.partition));
    if (offsets_reported) {
      check(m.offset == d.offset, "delivery report said offset " + std::to_string(d.offset));
    }
    check(m.key == key_of(seq), "key " + m.key.value_or("<null>"));
    check(m.value == value_of(seq), "value " + m.value.value_or("<null>"));
    check(m.timestamp_type == RD_KAFKA_TIMESTAMP_CREATE_TIME, "not CreateTime");
    check(m.timestamp == base_ts + static_cast<int64_t>(seq),
          "timestamp " + std::to_string(m.timestamp));
    check(m.headers == headers_of(seq, topic), "headers differ");
    if (!ok) ++failures;
  }
}

class EveryCodec : public LibrdkafkaRoundtrip, public ::testing::WithParamInterface<const char*> {};

TEST_P(EveryCodec, MessagesComeBackCompleteAndInOrderWithEveryAcksSetting) {
  const std::string codec = GetParam();
  for (const std::string acks : kAcks) {
    SCOPED_TRACE("compression.codec=" + codec + " acks=" + acks);
    round_trip("rt-" + codec + "-acks-" + acks, kMessagesPerCase,
               {{"compression.codec", codec}, {"acks", acks}}, acks != "0");
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Compression, EveryCodec,
                         ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"),
                         [](const auto& info) { return std::string(info.param); });

// Whether the broker advertises InitProducerId (api key 22) in ApiVersions.
bool serves_init_producer_id(uint16_t port) {
  auto resp = request_once<msg::ApiVersionsResponse>(port, msg::ApiVersionsRequest{}, 0);
  if (!resp) return false;
  for (const auto& k : resp->api_keys) {
    if (k.api_key == 22) return true;
  }
  return false;
}

// The broker is frozen (SIGSTOP) while produce requests are in flight, so librdkafka times
// them out and sends them again; the frozen broker then reads both copies. Sequence numbers
// must make it keep only one.
TEST_F(LibrdkafkaRoundtrip, IdempotentProducerRetriesWriteNoDuplicates) {
  if (!serves_init_producer_id(broker_->port())) GTEST_SKIP() << "InitProducerId not served yet";
  const std::string topic = "idempotent";
  create_topic(broker_->bootstrap(), topic, kPartitions);
  Producer producer(broker_->bootstrap(), {{"enable.idempotence", "true"},
                                           {"linger.ms", "5"},
                                           {"request.timeout.ms", "1500"},
                                           {"socket.timeout.ms", "1500"},
                                           {"message.timeout.ms", "120000"},
                                           {"retry.backoff.ms", "50"}});
  constexpr size_t kCount = 30'000;
  const int64_t base_ts = now_ms() - 3'600'000;
  auto produce_range = [&](size_t from, size_t to) {
    for (size_t seq = from; seq < to; ++seq) {
      producer.produce(topic, RD_KAFKA_PARTITION_UA, key_of(seq), value_of(seq), base_ts + seq,
                       headers_of(seq, topic), seq);
    }
  };
  produce_range(0, kCount / 2);
  ASSERT_TRUE(producer.flush());
  ASSERT_EQ(producer.delivered_ok(), kCount / 2) << producer.fatal_error();

  ASSERT_TRUE(broker_->running()) << "the broker exited:\n" << tail_file(broker_->log_file());
  broker_->signal(SIGSTOP);
  produce_range(kCount / 2, kCount);
  // librdkafka logs REQTMOUT when requests time out; they are retried after the broker resumes.
  bool timed_out = wait_for(
      [&] {
        producer.poll();
        return producer.logged("REQTMOUT") || producer.logged("timed out");
      },
      30s);
  const size_t delivered_while_frozen = producer.delivered_ok() - kCount / 2;
  broker_->signal(SIGCONT);
  ASSERT_TRUE(timed_out) << "librdkafka never timed a request out while the broker was frozen ("
                         << delivered_while_frozen << " messages delivered meanwhile; broker "
                         << (broker_->running() ? "running" : "exited")
                         << "). librdkafka's last lines:\n"
                         << producer.log_tail(30) << "The broker's log ends with:\n"
                         << tail_file(broker_->log_file());
  ASSERT_TRUE(producer.flush());
  ASSERT_EQ(producer.delivered_ok(), kCount) << producer.fatal_error();
  EXPECT_EQ(producer.fatal_error(), "");

  auto consumed = consume_from_beginning(broker_->bootstrap(), topic, kPartitions, kCount);
  EXPECT_EQ(records_in(producer, topic), static_cast<int64_t>(kCount)) << "duplicates written";
  std::vector<int> times_seen(kCount, 0);
  for (const ConsumedMessage& m : consumed) times_seen[std::stoul(m.headers.at(0).second)]++;
  size_t missing = 0, duplicated = 0;
  for (int n : times_seen) {
    missing += n == 0;
    duplicated += n > 1;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(consumed.size(), kCount);
}

}  // namespace
}  // namespace fjord::itest
