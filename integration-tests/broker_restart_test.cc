// A user restarts the broker while a librdkafka producer (acks=all) keeps producing: once with
// a clean stop (SIGTERM), once with a crash (SIGKILL, with log.flush.interval.messages=1 so
// every acknowledged message was flushed). The broker comes back on the same port and data
// dir, the producer reconnects by itself, and every message whose delivery report said
// "persisted" is in the log at the offset the report named.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

constexpr int32_t kPartitions = 3;

std::string value_of(size_t seq) { return "restart-value-" + std::to_string(seq); }

// A producer thread sends `count` messages, paced by the broker (a small client queue); once
// `restart_after` of them are acknowledged, `restart` (stop and start the broker) runs while
// it goes on. Then checks every acknowledged message against what a consumer reads back.
// The restart runs on the test's main thread: a broker process is killed when the thread that
// spawned it ends (PR_SET_PDEATHSIG, process.h), so it must not be started from a thread
// that exits before the test does.
void produce_through_restart(Broker& broker, size_t count, size_t restart_after,
                             const std::function<void()>& restart) {
  create_topic(broker.bootstrap(), "restarted", kPartitions);
  Producer producer(broker.bootstrap(), {{"acks", "all"},
                                         {"linger.ms", "2"},
                                         {"batch.num.messages", "500"},
                                         {"queue.buffering.max.messages", "2000"},
                                         {"message.timeout.ms", "120000"},
                                         {"reconnect.backoff.max.ms", "200"}});
  std::atomic<bool> all_sent = false;
  std::string produce_error;
  std::thread producing([&] {
    try {
      for (size_t seq = 0; seq < count; ++seq) {
        producer.produce("restarted", static_cast<int32_t>(seq % kPartitions), std::to_string(seq),
                         value_of(seq), 0, {}, seq);
        producer.poll();
      }
    } catch (const std::exception& e) {
      produce_error = e.what();
    }
    all_sent = true;
  });
  std::string restart_error;
  size_t acked_at_restart = 0;
  const bool reached =
      wait_for([&] { return producer.delivered_ok() >= restart_after || all_sent; }, 120s, 5ms);
  if (reached && !all_sent) {
    acked_at_restart = producer.delivered_ok();
    try {
      restart();
    } catch (const std::exception& e) {
      restart_error = e.what();
    }
  }
  producing.join();
  ASSERT_EQ(produce_error, "");
  ASSERT_EQ(restart_error, "");
  ASSERT_GT(acked_at_restart, 0u) << "the run ended before the restart: only "
                                  << producer.delivered_ok() << " of " << count
                                  << " messages were acknowledged";
  ASSERT_TRUE(producer.flush()) << "delivery reports missing";

  size_t acked = 0;
  for (const auto& d : producer.deliveries()) acked += d && d->error == RD_KAFKA_RESP_ERR_NO_ERROR;
  std::cerr << "[ restart ] " << acked_at_restart << " acknowledged before the restart, " << acked
            << " of " << count << " in all\n";
  EXPECT_GT(acked, acked_at_restart) << "nothing acknowledged after the restart";

  // Unacknowledged messages may or may not be there, and a request whose answer was lost may
  // have been retried into a duplicate: read everything up to the log end.
  int64_t in_log = 0;
  std::vector<int64_t> log_end(kPartitions);
  for (int32_t p = 0; p < kPartitions; ++p) {
    int64_t low = -1;
    ASSERT_EQ(rd_kafka_query_watermark_offsets(producer.handle(), "restarted", p, &low, &log_end[p],
                                               10'000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    in_log += log_end[p];
  }
  auto consumed = consume_from_beginning(broker.bootstrap(), "restarted", kPartitions,
                                         static_cast<size_t>(in_log));
  ASSERT_EQ(consumed.size(), static_cast<size_t>(in_log));
  std::vector<std::vector<const ConsumedMessage*>> by_offset(kPartitions);
  for (int32_t p = 0; p < kPartitions; ++p) by_offset[p].resize(log_end[p], nullptr);
  for (const auto& m : consumed) by_offset[m.partition][m.offset] = &m;

  size_t lost = 0;
  for (size_t seq = 0; seq < producer.deliveries().size(); ++seq) {
    const auto& d = producer.deliveries()[seq];
    if (!d || d->error != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const ConsumedMessage* m =
        d->offset < log_end[d->partition] ? by_offset[d->partition][d->offset] : nullptr;
    if (m == nullptr || m->value != value_of(seq)) {
      if (++lost <= 10) {
        ADD_FAILURE() << "acknowledged message " << seq << " is not at " << d->partition << "/"
                      << d->offset << (m ? ", found " + m->value.value_or("<null>") : "");
      }
    }
  }
  EXPECT_EQ(lost, 0u) << "acknowledged messages lost";
}

TEST(BrokerRestart, CleanStopInTheMiddleOfAProduceRunKeepsEveryAcknowledgedMessage) {
  auto broker = make_broker();
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  broker->start();
  produce_through_restart(*broker, 60'000, 10'000, [&] {
    int code = broker->stop();
    // Kafka exits 143 (128 + SIGTERM) from its shutdown hook, Fjord 0: both are clean.
    EXPECT_TRUE(code == 0 || code == 143) << "exit code " << code;
    broker->start();
  });
}

TEST(BrokerRestart, CrashInTheMiddleOfAProduceRunKeepsEveryFlushedAcknowledgedMessage) {
  auto broker = make_broker({.overrides = {{"log.flush.interval.messages", "1"}}});
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  broker->start();
  // An fsync per message makes Kafka slow (a few hundred messages a second here): keep it short.
  produce_through_restart(*broker, 8'000, 2'000, [&] {
    broker->kill();
    broker->start();
  });
}

}  // namespace
}  // namespace fjord::itest
