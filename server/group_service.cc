#include "server/group_service.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>

#include "protocol/records/batch_iterator.h"
#include "protocol/records/record_batch.h"
#include "server/broker.h"

namespace fjord {
namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(50);

coordinator::GroupConfig group_config(const BrokerConfig& c, int32_t num_partitions) {
  coordinator::GroupConfig g;
  g.num_partitions = num_partitions;
  g.min_session_timeout_ms = c.get_int("group.min.session.timeout.ms");
  g.max_session_timeout_ms = c.get_int("group.max.session.timeout.ms");
  g.initial_rebalance_delay_ms = c.get_int("group.initial.rebalance.delay.ms");
  g.max_size = c.get_int("group.max.size");
  g.offsets_retention_ms = int64_t{c.get_int("offsets.retention.minutes")} * 60 * 1000;
  g.offsets_retention_check_interval_ms = c.get_long("offsets.retention.check.interval.ms");
  g.load_buffer_bytes = c.get_int("offsets.load.buffer.size");
  if (auto v = c.get("offset.metadata.max.bytes")) {
    g.offset_metadata_max_bytes = std::stoi(*v);
  }
  // KIP-848 consumer groups.
  const auto list = [&](const char* key) {
    std::vector<std::string> out;
    std::string v = c.get(key).value_or("");
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      std::string item = v.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      if (!item.empty()) out.push_back(item);
      start = comma + 1;
    }
    return out;
  };
  g.consumer_protocol_enabled = false;
  for (const std::string& p : list("group.coordinator.rebalance.protocols")) {
    if (p == "consumer" || p == "CONSUMER") g.consumer_protocol_enabled = true;
  }
  g.consumer_session_timeout_ms = c.get_int("group.consumer.session.timeout.ms");
  g.consumer_heartbeat_interval_ms = c.get_int("group.consumer.heartbeat.interval.ms");
  g.consumer_max_size = c.get_int("group.consumer.max.size");
  // Kafka names assignors by class (3.9) or by name (4.x); Fjord has "uniform" and "range".
  std::vector<std::string> assignors;
  for (const std::string& a : list("group.consumer.assignors")) {
    if (a == "uniform" || a.ends_with(".UniformAssignor")) {
      assignors.emplace_back("uniform");
    } else if (a == "range" || a.ends_with(".RangeAssignor")) {
      assignors.emplace_back("range");
    } else {
      spdlog::warn(
          "group.consumer.assignors: unknown assignor {} ignored (Fjord has uniform "
          "and range)",
          a);
    }
  }
  if (!assignors.empty()) g.consumer_assignors = std::move(assignors);
  return g;
}

}  // namespace

class GroupService::Clock : public coordinator::CoordinatorClock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// __consumer_offsets through the replica manager. This broker coordinates the groups of the
// partitions it leads. An append is acknowledged once the high watermark passes it (Kafka's
// offsets.commit.required.acks=-1: on the whole ISR, at least min.insync.replicas copies), or
// with REQUEST_TIMED_OUT after offsets.commit.timeout.ms; on one node the high watermark follows
// the log end at once. Completions run on the service's own loop, never on the caller's stack.
class GroupService::Topic : public coordinator::OffsetsTopic {
 public:
  Topic(Broker& broker, asio::io_context& io)
      : broker_(broker),
        io_(io),
        required_acks_(static_cast<int16_t>(
            broker.config().get_int("offsets.commit.required.acks") == 1 ? 1 : -1)),
        timeout_(broker.config().get_int("offsets.commit.timeout.ms")) {}

  int32_t leader_epoch(int32_t partition) const override {
    PartitionPtr p = broker_.replicas().get(coordinator::kOffsetsTopic, partition);
    return p && p->is_leader() ? p->leader_epoch() : -1;
  }

  // Called on event loops: an append that needs a segment roll goes to the blocking-work pool
  // (inline only when the pool's queue is full). Appends to a partition with pool work pending
  // queue behind it, so a partition's appends keep their order.
  void append(int32_t partition, Bytes batch, std::function<void(ErrorCode)> done) override {
    PartitionPtr p = broker_.replicas().get(coordinator::kOffsetsTopic, partition);
    if (!p) {
      asio::post(io_, [done = std::move(done)] { done(ErrorCode::kNotLeaderOrFollower); });
      return;
    }
    std::unique_lock lock(mu_);
    if (pending_[partition].empty()) {
      lock.unlock();  // no lock across the append: appends to other partitions run meanwhile
      auto info =
          p->append_as_leader(std::span<uint8_t>(batch), required_acks_, {.may_block = false});
      if (!info.ok() || !info->would_block) {
        complete(std::move(p), info, std::move(done));
        return;
      }
      lock.lock();
    }
    std::deque<Pending>& queue = pending_[partition];
    queue.push_back({std::move(p), std::move(batch), std::move(done)});
    if (queue.size() > 1) return;  // the drainer already running takes it
    lock.unlock();
    auto drain = [this, partition] { drain_pending(partition); };
    if (!broker_.blocking().try_post(drain)) drain();
  }

  Result<coordinator::OffsetsRead> read(int32_t partition, int64_t offset,
                                        int32_t max_bytes) override {
    PartitionPtr p = broker_.replicas().get(coordinator::kOffsetsTopic, partition);
    if (!p) return ErrorCode::kNotLeaderOrFollower;
    log::PartitionLog& log = p->log();
    coordinator::OffsetsRead out;
    out.end_offset = log.log_end_offset();
    int64_t start = std::max(offset, log.log_start_offset());
    out.next_offset = start;
    if (start >= out.end_offset) return out;
    auto r = log.read(start, std::max(max_bytes, 1), out.end_offset, true);
    if (!r.ok()) return r.error();
    if (r->region.length == 0) return out;
    out.records.resize(static_cast<size_t>(r->region.length));
    ssize_t n = ::pread(r->region.fd, out.records.data(), out.records.size(), r->region.position);
    if (n < 0) return ErrorCode::kKafkaStorageError;
    out.records.resize(static_cast<size_t>(n));
    // Keep whole entries only; the next read starts after the last one.
    BatchIterator it(out.records);
    BatchEntry entry;
    while (it.next(entry)) {
      if (entry.magic == 2) {
        auto batch = RecordBatchView::parse(entry.bytes);
        out.next_offset = batch.ok() ? batch->last_offset() + 1 : entry.offset + 1;
      } else {
        out.next_offset = entry.offset + 1;
      }
    }
    out.records.resize(it.position());
    return out;
  }

 private:
  // One append waiting for the high watermark (Kafka's DelayedProduce for the coordinator's
  // appends), woken by the partition's high watermark advances, not by polling. Lives on io_.
  class ReplicationWait : public std::enable_shared_from_this<ReplicationWait> {
   public:
    ReplicationWait(asio::io_context& io, PartitionPtr partition, int64_t required_offset,
                    std::function<void(ErrorCode)> done)
        : io_(io),
          timer_(io),
          partition_(std::move(partition)),
          required_offset_(required_offset),
          done_(std::move(done)) {}

    void start(int32_t timeout_ms) {
      // The timer's handler keeps the wait alive until it finishes one way or the other.
      timer_.expires_after(std::chrono::milliseconds(std::max(0, timeout_ms)));
      timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        if (!ec) self->finish(ErrorCode::kRequestTimedOut);
      });
      asio::post(io_, [self = shared_from_this()] { self->check(); });
    }

   private:
    void check() {
      if (finished_) return;
      // Register before checking, so an advance in between is not lost.
      std::weak_ptr<ReplicationWait> weak = weak_from_this();
      waiter_ = partition_->on_next_append([weak, &io = io_] {
        asio::post(io, [weak] {
          if (auto self = weak.lock()) self->check();
        });
      });
      if (std::optional<ErrorCode> r = partition_->check_replicated(required_offset_)) finish(*r);
    }
    void finish(ErrorCode e) {
      if (finished_) return;
      finished_ = true;
      if (waiter_ != 0) partition_->remove_waiter(waiter_);
      timer_.cancel();
      done_(e);
    }

    asio::io_context& io_;
    asio::steady_timer timer_;
    PartitionPtr partition_;
    int64_t required_offset_;
    std::function<void(ErrorCode)> done_;
    uint64_t waiter_ = 0;
    bool finished_ = false;
  };

  Broker& broker_;
  asio::io_context& io_;
  int16_t required_acks_;
  int32_t timeout_;
  struct Pending {
    PartitionPtr partition;
    Bytes batch;
    std::function<void(ErrorCode)> done;
  };

  // On the blocking-work pool: appends the partition's queued batches in order.
  void drain_pending(int32_t partition) {
    std::unique_lock lock(mu_);
    std::deque<Pending>& queue = pending_[partition];
    while (!queue.empty()) {
      Pending& next = queue.front();
      lock.unlock();
      auto info = next.partition->append_as_leader(std::span<uint8_t>(next.batch), required_acks_);
      complete(std::move(next.partition), info, std::move(next.done));
      lock.lock();
      queue.pop_front();
    }
  }

  // After the append: acks=1 answers now, acks=-1 once the high watermark passes it.
  void complete(PartitionPtr p, const Result<log::AppendInfo>& info,
                std::function<void(ErrorCode)> done) {
    if (!info.ok()) {
      asio::post(io_, [done = std::move(done), e = info.error()] { done(e); });
      return;
    }
    if (required_acks_ == 1) {
      asio::post(io_, [done = std::move(done)] { done(ErrorCode::kNone); });
      return;
    }
    auto wait = std::make_shared<ReplicationWait>(io_, std::move(p), info->last_offset + 1,
                                                  std::move(done));
    wait->start(timeout_);
  }

  std::mutex mu_;
  std::map<int32_t, std::deque<Pending>> pending_;  // appends waiting for pool work (mu_)
};

GroupService::GroupService(Broker& broker) : broker_(broker) {
  int32_t partitions = broker.config().get_int("offsets.topic.num.partitions");
  auto snap = broker.metadata().snapshot();
  if (const TopicMetadata* t = snap->find(coordinator::kOffsetsTopic)) {
    // The partition count of an existing topic wins over the config (as in Kafka).
    partitions = static_cast<int32_t>(t->partitions.size());
  }
  topic_ = std::make_unique<Topic>(broker, io_);
  clock_ = std::make_unique<Clock>();
  coordinator_ = std::make_unique<coordinator::GroupCoordinator>(
      group_config(broker.config(), partitions), *topic_, *clock_);
}

GroupService::~GroupService() { shutdown(); }

void GroupService::start() {
  started_ = true;
  // A __consumer_offsets leadership change loads or unloads its groups at once, not at the
  // next tick (Kafka's onElection / onResignation).
  broker_.replicas().on_leadership_change([this](const log::TopicPartition& tp, bool, int32_t) {
    if (tp.topic == coordinator::kOffsetsTopic) {
      asio::post(io_, [this] { coordinator_->tick(); });
    }
  });
  asio::post(io_, [this] { coordinator_->tick(); });
  schedule_tick();
  thread_ = std::thread([this] { io_.run(); });
}

void GroupService::schedule_tick() {
  timer_.expires_after(kTickInterval);
  timer_.async_wait([this](std::error_code ec) {
    if (ec) return;
    coordinator_->tick();
    schedule_tick();
  });
}

void GroupService::shutdown() {
  if (!started_) return;
  started_ = false;
  coordinator_->shutdown();
  // Let posted append completions run before the loop stops (bounded: they do not block).
  asio::post(io_, [this] {
    timer_.cancel();
    io_.stop();
  });
  if (thread_.joinable()) thread_.join();
}

ErrorCode GroupService::ensure_offsets_topic() {
  auto snap = broker_.metadata().snapshot();
  if (snap->find(coordinator::kOffsetsTopic) != nullptr) return ErrorCode::kNone;
  const BrokerConfig& c = broker_.config();
  int16_t rf = static_cast<int16_t>(c.get_int("offsets.topic.replication.factor"));
  // Kafka checks the live brokers it knows of (on a cluster: the controller's last
  // UpdateMetadata) against the replication factor before creating the topic.
  int32_t live_brokers = 1;
  if (broker_.zk_mode()) {
    live_brokers = static_cast<int32_t>(broker_.replicas().metadata_cache().view()->brokers.size());
  }
  if (rf > live_brokers) {
    spdlog::error(
        "Number of alive brokers '{}' does not meet the required replication factor '{}' for "
        "the offsets topic (configured via 'offsets.topic.replication.factor'). This error can "
        "be ignored if the cluster is starting up and not all brokers are up yet.",
        live_brokers, rf);
    return ErrorCode::kCoordinatorNotAvailable;
  }
  CreateTopicSpec spec;
  spec.name = coordinator::kOffsetsTopic;
  spec.num_partitions = coordinator_->config().num_partitions;
  spec.replication_factor = rf;
  spec.configs = {{"cleanup.policy", "compact"},
                  {"compression.type", "producer"},
                  {"segment.bytes", std::to_string(c.get_int("offsets.topic.segment.bytes"))}};
  StoreStatus st = broker_.create_topic(spec, false, nullptr);
  if (st.ok()) {
    spdlog::info(
        "Creating topic {} with configuration {{cleanup.policy=compact, "
        "compression.type=producer, segment.bytes={}}} and {} partitions, replication "
        "factor {}",
        coordinator::kOffsetsTopic, spec.configs["segment.bytes"], spec.num_partitions, rf);
  } else if (st.code != ErrorCode::kTopicAlreadyExists) {
    spdlog::error("cannot create {}: {}", coordinator::kOffsetsTopic, st.message);
    return ErrorCode::kCoordinatorNotAvailable;
  }
  return ErrorCode::kNone;
}

}  // namespace fjord
