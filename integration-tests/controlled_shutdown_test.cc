// Issue 7's test 4: a leader stopped with SIGTERM (controlled.shutdown.enable, Kafka's default)
// first asks the controller (ControlledShutdown, key 7) to move its leaderships away and to take
// it out of the ISRs, and stops only then: a producer with retries, acks=all and
// min.insync.replicas=2 sees no failed send while it happens. That the moves came before the
// broker left is read from ZooKeeper: each partition state's last write (mzxid) precedes the
// removal of /brokers/ids/<id> (the pzxid of /brokers/ids); an uncontrolled stop moves them after.
// A broker that has lost ZooKeeper finds the controller in its metadata cache and stops
// without waiting out the retries.
// The same tests run against Kafka 3.9 in ZooKeeper mode (the reference).
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "integration-tests/harness/zk_reader.h"

namespace fjord::itest {
namespace {

using nlohmann::json;

class ControlledShutdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(3);
    FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
    cluster_->start();
    zk_ = std::make_unique<ZkReader>(cluster_->zookeeper().connect_string());
  }

  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<ZkReader> zk_;
};

// One produce per partition in turn, value "m-<n>", until `until` is ready; serves delivery
// reports meanwhile (the poll with a timeout paces the loop).
template <typename Future>
size_t produce_while(Producer& producer, const std::string& topic, size_t next, Future& until) {
  while (until.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    producer.produce(topic, static_cast<int32_t>(next % 3), "", "m-" + std::to_string(next), 0, {},
                     next);
    ++next;
    rd_kafka_poll(producer.handle(), 5);
  }
  return next;
}

TEST_F(ControlledShutdownTest, StoppingALeaderFailsNoSend) {
  const int32_t controller = zk_->wait_for_controller();
  ASSERT_GT(controller, 0);
  // The broker to stop is not the controller, and leads two of the three partitions.
  const std::vector<int32_t> others = cluster_->broker_ids_other_than(controller);
  const int32_t victim = others[0];
  const int32_t peer = others[1];
  const std::vector<std::vector<int32_t>> assignment = {
      {victim, peer, controller}, {victim, controller, peer}, {peer, victim, controller}};
  create_topic(cluster_->bootstrap(), "orders", assignment, {{"min.insync.replicas", "2"}});
  for (int p = 0; p < 3; ++p) {
    ASSERT_TRUE(wait_for(
        [&] {
          auto s = zk_->state("orders", p);
          return s && (*s)["leader"] == assignment[p][0] && (*s)["isr"].size() == 3;
        },
        30s));
  }

  Producer producer(cluster_->bootstrap(), {{"acks", "all"}, {"linger.ms", "5"}});
  auto warm = std::async(std::launch::async, [&] {
    ASSERT_TRUE(wait_for([&] { return producer.delivered_ok() >= 300; }, 30s));
  });
  size_t sent = produce_while(producer, "orders", 0, warm);
  warm.get();

  // SIGTERM; the broker exits by itself once its leaderships have moved.
  const auto t0 = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [&] {
    return cluster_->broker(static_cast<size_t>(victim - 1)).stop(60s);
  });
  sent = produce_while(producer, "orders", sent, stopped);
  const int exit_code = stopped.get();
  const auto stop_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_TRUE(exit_code == 0 || exit_code == 128 + SIGTERM) << "exit code " << exit_code;
  // A few hundred more after it is gone.
  const size_t target = sent + 300;
  for (; sent < target; ++sent) {
    producer.produce("orders", static_cast<int32_t>(sent % 3), "", "m-" + std::to_string(sent), 0,
                     {}, sent);
    producer.poll();
  }
  ASSERT_TRUE(producer.flush(60s));

  size_t failed = 0;
  for (size_t i = 0; i < sent; ++i) {
    const auto& d = producer.deliveries()[i];
    if (!d || d->error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (failed++ < 5) {
        ADD_FAILURE() << "message " << i << ": "
                      << (d ? rd_kafka_err2name(d->error) : "no delivery report");
      }
    }
  }
  EXPECT_EQ(failed, 0u) << "of " << sent << " sends";
  std::printf("controlled shutdown of broker %d took %lld ms; %zu sends, %zu failed\n", victim,
              static_cast<long long>(stop_ms), sent, failed);

  // The moves came before the broker left ZooKeeper.
  zk::ZkStat ids;
  ASSERT_EQ(zk_->exists("/brokers/ids", &ids), zk::ZkCode::kOk);
  EXPECT_EQ(zk_->exists("/brokers/ids/" + std::to_string(victim)), zk::ZkCode::kNoNode);
  for (int p = 0; p < 3; ++p) {
    zk::ZkStat stat;
    auto s = zk_->state("orders", p, &stat);
    ASSERT_TRUE(s);
    EXPECT_NE((*s)["leader"], victim) << p << ": " << s->dump();
    auto isr = (*s)["isr"].get<std::vector<int32_t>>();
    EXPECT_EQ(std::count(isr.begin(), isr.end(), victim), 0) << p << ": " << s->dump();
    EXPECT_LT(stat.mzxid, ids.pzxid)
        << "partition " << p << " changed after broker " << victim << " left: " << s->dump();
  }
  // Partition 0 went to the next replica of its assignment that is in the ISR.
  EXPECT_EQ((*zk_->state("orders", 0))["leader"], peer);
  EXPECT_EQ((*zk_->state("orders", 1))["leader"], controller);

  // Every acknowledged send is there (retries may have written some twice: read on a little).
  std::vector<ConsumedMessage> consumed =
      consume_from_beginning(cluster_->bootstrap(), "orders", 3, sent, 60s, 2s);
  std::set<std::string> values;
  for (const auto& m : consumed) {
    if (m.value) values.insert(*m.value);
  }
  for (size_t i = 0; i < sent; ++i) {
    if (!values.contains("m-" + std::to_string(i))) {
      ADD_FAILURE() << "m-" << i << " was acknowledged and is not there";
      break;
    }
  }
}

// With ZooKeeper gone, a broker still finds the controller where Kafka looks for it, in what the
// last UpdateMetadata said, and stops at once; Fjord read /controller from ZooKeeper, found
// nothing, and slept through every retry (controlled.shutdown.retry.backoff.ms, 5 s, twice)
// before it stopped. Here the only broker is the controller; the backoff is 20 s so that one
// sleep shows however loaded the machine is (Kafka 3.9 stops in about 2 s).
TEST(ControlledShutdownWithoutZooKeeper, TheBrokerAsksTheControllerItKnowsAndStops) {
  Cluster cluster(1, {{"controlled.shutdown.retry.backoff.ms", "20000"}});
  FJORD_SKIP_IF_UNAVAILABLE(cluster);
  cluster.start();
  create_topic(cluster.bootstrap(), "kept", 1);
  cluster.zookeeper().stop();

  const auto t0 = std::chrono::steady_clock::now();
  const int exit_code = cluster.broker(0).stop(120s);
  const auto stop_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_TRUE(exit_code == 0 || exit_code == 128 + SIGTERM) << "exit code " << exit_code;
  EXPECT_LT(stop_ms, 20000) << "the broker waited out controlled.shutdown.retry.backoff.ms";
  std::printf("with ZooKeeper gone the broker stopped in %lld ms\n",
              static_cast<long long>(stop_ms));
}

}  // namespace
}  // namespace fjord::itest
