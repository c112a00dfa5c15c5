// Replication through broker crashes, on a real ZooKeeper and three brokers of the target
// (FJORD_TEST_TARGET) in ZooKeeper mode, min.insync.replicas=2, topics with replication
// factor 3, producers with acks=all (issue 7):
//  - a follower killed with SIGKILL and restarted rejoins every ISR, and every broker (the
//    controller above all, which answers the leaders' AlterPartition requests) keeps serving;
//  - durability (issue 7's integration test 2): 200,000 messages from the idempotent producer
//    while the leader of partition 0 is killed with SIGKILL and restarted every few seconds;
//    afterwards every acknowledged message is consumed, in order within its partition, once.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "integration-tests/harness/zk_reader.h"

namespace fjord::itest {
namespace {

struct PartitionState {
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

// A librdkafka handle for metadata requests.
class Admin {
 public:
  explicit Admin(const std::string& bootstrap) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
    if (!rk_) throw std::runtime_error(std::string("rd_kafka_new: ") + err);
  }

  // The partitions of `topic` as a Metadata request answers them (empty if none answered).
  std::map<int32_t, PartitionState> partitions(const std::string& topic) {
    std::map<int32_t, PartitionState> out;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_.get(), 0, rkt, &md, 3000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int t = 0; t < md->topic_cnt; ++t) {
        const auto& mt = md->topics[t];
        if (mt.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        for (int p = 0; p < mt.partition_cnt; ++p) {
          const auto& mp = mt.partitions[p];
          PartitionState s;
          s.leader = mp.leader;
          s.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
          s.isr.assign(mp.isrs, mp.isrs + mp.isr_cnt);
          out[mp.id] = s;
        }
      }
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(rkt);
    return out;
  }

  // True once every partition of `topic` has a leader and all `rf` replicas in its ISR.
  bool fully_replicated(const std::string& topic, int partitions, size_t rf) {
    auto ps = this->partitions(topic);
    if (ps.size() != static_cast<size_t>(partitions)) return false;
    for (const auto& [_, s] : ps) {
      if (s.leader < 0 || s.isr.size() != rf || s.replicas.size() != rf) return false;
    }
    return true;
  }

  int32_t controller() { return rd_kafka_controllerid(rk_.get(), 3000); }

 private:
  RdKafkaHandle rk_;
};

std::string message_value(size_t seq) {
  // About 100 bytes: the number first, then padding.
  char buf[32];
  std::snprintf(buf, sizeof buf, "m-%09zu-", seq);
  std::string v(buf);
  v.resize(100, 'x');
  return v;
}

// The message number back from a value, or -1.
int64_t seq_of(const std::optional<std::string>& value) {
  if (!value || value->size() < 12 || value->compare(0, 2, "m-") != 0) return -1;
  int64_t seq = -1;
  const char* digits = value->data() + 2;
  auto [end, ec] = std::from_chars(digits, digits + 9, seq);
  return ec == std::errc() && end == digits + 9 ? seq : -1;
}

class ReplicationFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(
        3, std::map<std::string, std::string>{
               {"min.insync.replicas", "2"},
               {"default.replication.factor", "3"},
               // A dead follower leaves the ISR after 6 s rather than Kafka's 30 s.
               {"replica.lag.time.max.ms", "6000"},
           });
    FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
    cluster_->start();
    admin_ = std::make_unique<Admin>(cluster_->bootstrap());
    zk_ = std::make_unique<ZkReader>(cluster_->zookeeper().connect_string());
  }

  Broker& broker_by_id(int32_t id) { return cluster_->broker(static_cast<size_t>(id - 1)); }

  // Starts a broker that was killed once ZooKeeper has expired its old session: Kafka refuses
  // to start while its previous /brokers/ids/<id> lingers (NodeExists, exit code 1), as an
  // operator restarting a crashed broker also finds. Throws HarnessError when it lingers 30 s.
  void restart_killed(int32_t id) {
    const std::string path = "/brokers/ids/" + std::to_string(id);
    if (!wait_for([&] { return zk_->exists(path) == zk::ZkCode::kNoNode; }, 30s)) {
      throw HarnessError(path + " of the killed broker was still there after 30 s");
    }
    broker_by_id(id).start();
  }

  void create_replicated(const std::string& topic, int partitions) {
    create_topic(cluster_->bootstrap(), topic, partitions, {}, 3);
    ASSERT_TRUE(wait_for([&] { return admin_->fully_replicated(topic, partitions, 3); }, 60s))
        << topic << " never had a leader and an ISR of 3 for every partition";
  }

  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<Admin> admin_;
  std::unique_ptr<ZkReader> zk_;
};

// The leaders shrink the ISR when the follower dies and expand it when it is back (both through
// AlterPartition to the controller); nothing else may die meanwhile.
TEST_F(ReplicationFailover, RestartedFollowerRejoinsTheIsrAndEveryBrokerKeepsServing) {
  constexpr int kPartitions = 3;
  ASSERT_NO_FATAL_FAILURE(create_replicated("rejoin", kPartitions));
  Producer producer(cluster_->bootstrap(), {{"acks", "all"},
                                            {"enable.idempotence", "true"},
                                            {"linger.ms", "5"},
                                            {"message.timeout.ms", "60000"}});
  size_t seq = 0;
  auto produce = [&](size_t n) {
    for (size_t i = 0; i < n; ++i, ++seq) {
      producer.produce("rejoin", static_cast<int32_t>(seq % kPartitions), "", message_value(seq),
                       0, {}, seq);
    }
  };
  produce(3000);
  ASSERT_TRUE(producer.flush(60s));

  const int32_t controller = admin_->controller();
  ASSERT_GE(controller, 1);
  const int32_t follower = controller % 3 + 1;  // any broker but the controller
  broker_by_id(follower).kill();
  produce(3000);  // waits for the ISR to shrink (replica.lag.time.max.ms)
  ASSERT_TRUE(producer.flush(60s));
  ASSERT_TRUE(wait_for(
      [&] {
        for (const auto& [_, s] : admin_->partitions("rejoin")) {
          if (std::count(s.isr.begin(), s.isr.end(), follower) != 0) return false;
        }
        return true;
      },
      30s))
      << "broker " << follower << " stayed in an ISR after it was killed";

  restart_killed(follower);
  produce(3000);
  ASSERT_TRUE(wait_for([&] { return admin_->fully_replicated("rejoin", kPartitions, 3); }, 60s))
      << "broker " << follower << " did not rejoin every ISR";
  ASSERT_TRUE(producer.flush(60s));
  produce(3000);
  ASSERT_TRUE(producer.flush(60s));
  for (size_t i = 0; i < cluster_->size(); ++i) {
    EXPECT_TRUE(cluster_->broker(i).running()) << "broker " << i + 1 << " died";
  }
  EXPECT_EQ(producer.delivered_ok(), seq);
  EXPECT_EQ(admin_->controller(), controller);

  auto consumed = consume_from_beginning(cluster_->bootstrap(), "rejoin", kPartitions, seq, 60s);
  std::set<int64_t> got;
  for (const auto& m : consumed) got.insert(seq_of(m.value));
  EXPECT_EQ(got.size(), seq);
  EXPECT_EQ(consumed.size(), seq);
}

// Issue 7's test 2. The producer's run is spread over the kills: chunk c of the messages goes
// out once c/kChunks of the kills have started, so messages are in flight before, during and
// after every one of them. The kills and restarts happen on the test's main thread: brokers
// die with the thread that started them (PR_SET_PDEATHSIG), so a helper thread must not.
TEST_F(ReplicationFailover, NoAcknowledgedMessageIsLostWhileLeadersAreKilled) {
  constexpr int kPartitions = 3;
  constexpr size_t kMessages = 200'000;
  constexpr int kKills = 4;
  constexpr size_t kChunks = 40;
  const std::string topic = "durable";
  ASSERT_NO_FATAL_FAILURE(create_replicated(topic, kPartitions));

  std::atomic<int> kills_started = 0;
  Producer producer(cluster_->bootstrap(), {{"acks", "all"},
                                            {"enable.idempotence", "true"},
                                            {"linger.ms", "5"},
                                            {"message.timeout.ms", "120000"}});
  std::atomic<bool> flushed = false;
  const auto started = std::chrono::steady_clock::now();
  std::thread producing([&] {
    for (size_t c = 0; c < kChunks; ++c) {
      const int due = static_cast<int>(c * kKills / kChunks);
      wait_for(
          [&] {
            producer.poll();
            return kills_started >= due;
          },
          180s, 10ms);
      for (size_t i = c * kMessages / kChunks; i < (c + 1) * kMessages / kChunks; ++i) {
        producer.produce(topic, static_cast<int32_t>(i % kPartitions), "", message_value(i), 0,
                         {}, i);
      }
    }
    flushed = producer.flush(120s);
  });

  std::vector<double> failover_ms;
  std::string killer_error;
  for (int k = 0; k < kKills && killer_error.empty(); ++k) {
    int32_t leader = -1;
    if (!wait_for([&] { return (leader = admin_->partitions(topic)[0].leader) >= 1; }, 60s)) {
      killer_error = "partition 0 had no leader before kill " + std::to_string(k + 1);
      break;
    }
    const auto killed_at = std::chrono::steady_clock::now();
    broker_by_id(leader).kill();
    ++kills_started;
    // A new leader (a replica that was in the ISR) serves partition 0.
    if (!wait_for(
            [&] {
              const int32_t next = admin_->partitions(topic)[0].leader;
              return next >= 1 && next != leader;
            },
            60s, 20ms)) {
      killer_error = "no new leader for partition 0 after broker " + std::to_string(leader) +
                     " was killed";
      break;
    }
    failover_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - killed_at)
            .count());
    try {
      restart_killed(leader);
    } catch (const std::exception& e) {
      killer_error = e.what();
      break;
    }
    // The restarted broker catches up and is back in every ISR before the next kill, so
    // min.insync.replicas=2 holds with one broker down.
    if (!wait_for([&] { return admin_->fully_replicated(topic, kPartitions, 3); }, 60s)) {
      killer_error = "broker " + std::to_string(leader) + " did not rejoin the ISRs";
    }
  }
  kills_started = kKills;  // lets the producer finish if the kills stopped early
  producing.join();
  const double produce_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(killer_error, "");
  EXPECT_TRUE(flushed) << "delivery reports still missing after 120 s";
  EXPECT_EQ(producer.fatal_error(), "");

  // What the producer was told.
  std::map<size_t, Delivery> acked;
  size_t failed = 0;
  for (size_t i = 0; i < kMessages; ++i) {
    const auto& d = producer.deliveries()[i];
    if (d && d->error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      acked[i] = *d;
    } else {
      ++failed;
    }
  }

  // What is in the partitions: every acknowledged message at the offset it was acknowledged
  // at, each partition in the order produced, nothing twice.
  auto consumed = consume_from_beginning(cluster_->bootstrap(), topic, kPartitions, acked.size(),
                                         120s, 2s);
  std::map<int64_t, size_t> times_seen;
  std::map<int32_t, int64_t> last_seq;
  size_t out_of_order = 0, misplaced = 0, foreign = 0;
  for (const auto& m : consumed) {
    const int64_t seq = seq_of(m.value);
    if (seq < 0 || seq >= static_cast<int64_t>(kMessages) ||
        seq % kPartitions != m.partition) {
      if (++foreign <= 3) {
        ADD_FAILURE() << "foreign record at partition " << m.partition << " offset " << m.offset
                      << ": " << (m.value ? m.value->substr(0, 40) : std::string("(null)"));
      }
      continue;
    }
    ++times_seen[seq];
    auto last = last_seq.find(m.partition);
    if (last != last_seq.end() && seq <= last->second) ++out_of_order;
    last_seq[m.partition] = seq;
    auto a = acked.find(static_cast<size_t>(seq));
    if (a != acked.end() && a->second.offset != m.offset) ++misplaced;
  }
  size_t duplicates = 0, lost = 0;
  for (const auto& [seq, n] : times_seen) duplicates += n - 1;
  for (const auto& [seq, _] : acked) lost += times_seen.count(static_cast<int64_t>(seq)) ? 0 : 1;
  double max_failover = 0;
  for (double ms : failover_ms) max_failover = std::max(max_failover, ms);

  std::printf(
      "durability: %zu produced, %zu acknowledged, %zu failed, %zu consumed (%zu distinct); "
      "%zu lost, %zu duplicates, %zu out of order, %zu at another offset, %zu foreign; "
      "%d leader kills, new leader after %.0f ms at most; produced and flushed in %.1f s\n",
      kMessages, acked.size(), failed, consumed.size(), times_seen.size(), lost, duplicates,
      out_of_order, misplaced, foreign, kKills, max_failover, produce_s);
  EXPECT_EQ(acked.size(), kMessages) << "the idempotent producer retries until acknowledged";
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(misplaced, 0u);
  EXPECT_EQ(foreign, 0u);
  for (size_t i = 0; i < cluster_->size(); ++i) {
    EXPECT_TRUE(cluster_->broker(i).running()) << "broker " << i + 1 << " died";
  }
}

}  // namespace
}  // namespace fjord::itest
