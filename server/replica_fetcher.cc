#include "server/replica_fetcher.h"

#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/client/kafka_client.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/offset_for_leader_epoch.h"
#include "protocol/records/batch_header.h"
#include "server/replica_manager.h"

namespace fjord {
namespace {

using namespace std::chrono_literals;
constexpr auto kAwait = asio::experimental::as_tuple(asio::use_awaitable);
constexpr int16_t kFetchVersion = 12;  // flexible, topic names (v13+ use topic ids)
constexpr int16_t kOffsetForLeaderEpochVersion = 4;
constexpr int16_t kListOffsetsVersion = 4;

// How many bytes at the front of a fetched records field are whole batches. A leader fills a
// partition's answer up to partition_max_bytes, so the last batch may be cut short; Kafka's
// follower drops those bytes (ByteBufferLogInputStream stops before them, UnifiedLog trims
// them) and fetches the batch whole from the next offset. A batch whose length field is
// impossible is kept, so the append reports it as CORRUPT_MESSAGE.
size_t whole_batches_size(ByteView bytes) {
  namespace bh = batch_header;
  constexpr size_t kUpToMagic = bh::kMagic + 1;  // Kafka's HEADER_SIZE_UP_TO_MAGIC
  size_t pos = 0;
  while (bytes.size() - pos >= kUpToMagic) {
    const int32_t length = bh::batch_length(bytes.data() + pos);
    if (length < static_cast<int32_t>(bh::kSize - bh::kLogOverhead)) return bytes.size();
    const size_t total = bh::kLogOverhead + static_cast<size_t>(length);
    if (total > bytes.size() - pos) break;
    pos += total;
  }
  return pos;
}

}  // namespace

// One fetcher: one leader, a set of partitions, one coroutine on a strand.
class ReplicaFetcherManager::Fetcher : public std::enable_shared_from_this<Fetcher> {
 public:
  Fetcher(asio::io_context& io, int32_t local_id, const ReplicationConfig& config,
          LeaderEndpoint leader, std::string name)
      : strand_(asio::make_strand(io)),
        local_id_(local_id),
        config_(config),
        leader_(std::move(leader)),
        name_(std::move(name)),
        idle_(strand_),
        backoff_(strand_) {
    client::ClientConfig cc;
    cc.client_id = "broker-" + std::to_string(local_id) + "-fetcher";
    cc.request_timeout = std::chrono::milliseconds(config.replica_socket_timeout_ms);
    cc.connect_timeout = std::chrono::milliseconds(config.replica_socket_timeout_ms);
    client_ =
        client::KafkaClient::create(strand_, leader_.host, static_cast<uint16_t>(leader_.port), cc);
  }

  void start() {
    asio::co_spawn(
        strand_, [self = shared_from_this()] { return self->run(); }, asio::detached);
  }
  void stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->idle_.cancel();
      self->backoff_.cancel();
      self->client_->close();
    });
  }
  void add(PartitionPtr p, int32_t epoch) {
    asio::post(strand_, [self = shared_from_this(), p = std::move(p), epoch] {
      self->parts_[p->tp()] = State{p, epoch, true};
      self->idle_.cancel();
    });
  }
  void remove(const log::TopicPartition& tp) {
    asio::post(strand_, [self = shared_from_this(), tp] { self->parts_.erase(tp); });
  }
  const LeaderEndpoint& leader() const { return leader_; }

 private:
  struct State {
    PartitionPtr partition;
    int32_t leader_epoch = 0;
    bool truncating = true;
  };

  asio::awaitable<void> run() {
    while (!stopped_) {
      if (parts_.empty()) {
        idle_.expires_after(1h);
        co_await idle_.async_wait(kAwait);
        continue;
      }
      bool ok = co_await truncate();
      if (ok && !stopped_) ok = co_await fetch_once();
      if (!ok && !stopped_) {
        backoff_.expires_after(std::chrono::milliseconds(config_.replica_fetch_backoff_ms));
        co_await backoff_.async_wait(kAwait);
      }
    }
  }

  // KIP-101/KIP-279: ask the leader where our latest epoch ends and cut the log there.
  asio::awaitable<bool> truncate() {
    msg::OffsetForLeaderEpochRequest req;
    req.replica_id = local_id_;
    std::map<log::TopicPartition, int32_t> asked;  // tp -> leader epoch it was asked at
    for (auto& [tp, st] : parts_) {
      if (!st.truncating) continue;
      std::optional<int32_t> latest = st.partition->log().leader_epoch_cache().latest_epoch();
      if (!latest) {
        // No epoch history (an empty log): nothing can diverge; fetch from the log end.
        if (st.partition->log().log_end_offset() > st.partition->log().high_watermark()) {
          (void)st.partition->log().truncate_to(st.partition->log().high_watermark());
        }
        st.truncating = false;
        continue;
      }
      if (req.topics.empty() || req.topics.back().topic != tp.topic) {
        req.topics.push_back({.topic = tp.topic});
      }
      req.topics.back().partitions.push_back({.partition = tp.partition,
                                              .current_leader_epoch = st.leader_epoch,
                                              .leader_epoch = *latest});
      asked[tp] = st.leader_epoch;
    }
    if (asked.empty()) co_return true;
    auto [ec, resp] = co_await client_->async_request<msg::OffsetForLeaderEpochResponse>(
        req, kOffsetForLeaderEpochVersion, kAwait);
    if (ec) {
      spdlog::warn("[ReplicaFetcher {}] OffsetsForLeaderEpoch to broker {} failed: {}", name_,
                   leader_.id, ec.message());
      co_return false;
    }
    bool all_ok = true;
    for (const auto& t : resp.body.topics) {
      for (const auto& p : t.partitions) {
        auto it = parts_.find({t.topic, p.partition});
        if (it == parts_.end() || asked[it->first] != it->second.leader_epoch) continue;
        State& st = it->second;
        log::PartitionLog& log = st.partition->log();
        if (p.error_code != 0) {
          all_ok = false;
          spdlog::info("[ReplicaFetcher {}] {}-{}: OffsetsForLeaderEpoch answered {}", name_,
                       t.topic, p.partition, error_name(static_cast<ErrorCode>(p.error_code)));
          continue;
        }
        int64_t target;
        if (p.end_offset < 0 || p.leader_epoch < 0) {
          target = log.high_watermark();  // the leader knows no such epoch: Kafka's fallback
        } else {
          // KIP-279: when the leader answers an older epoch, our own end of that epoch may be
          // lower still.
          target = p.end_offset;
          log::EpochEntry own = log.end_offset_for_epoch(p.leader_epoch);
          if (own.epoch == p.leader_epoch && own.start_offset >= 0) {
            target = std::min(target, own.start_offset);
          }
        }
        if (target < log.log_end_offset()) {
          spdlog::info("[ReplicaFetcher {}] Truncating {}-{} to offset {} (log end {})", name_,
                       t.topic, p.partition, target, log.log_end_offset());
          if (auto r = log.truncate_to(target); !r) {
            spdlog::error("[ReplicaFetcher {}] cannot truncate {}-{}: {}", name_, t.topic,
                          p.partition, error_name(r.error()));
            all_ok = false;
            continue;
          }
        }
        st.truncating = false;
      }
    }
    co_return all_ok;
  }

  asio::awaitable<bool> fetch_once() {
    msg::FetchRequest req;
    req.replica_id = local_id_;
    req.max_wait_ms = config_.replica_fetch_wait_max_ms;
    req.min_bytes = config_.replica_fetch_min_bytes;
    req.max_bytes = config_.replica_fetch_response_max_bytes;
    req.session_id = 0;
    req.session_epoch = -1;  // no fetch session: every request names every partition
    std::map<log::TopicPartition, std::pair<int32_t, int64_t>> asked;  // epoch, fetch offset
    for (auto& [tp, st] : parts_) {
      if (st.truncating) continue;
      if (req.topics.empty() || req.topics.back().topic != tp.topic) {
        req.topics.push_back({.topic = tp.topic});
      }
      log::PartitionLog& log = st.partition->log();
      const int64_t offset = log.log_end_offset();
      req.topics.back().partitions.push_back(
          {.partition = tp.partition,
           .current_leader_epoch = st.leader_epoch,
           .fetch_offset = offset,
           .log_start_offset = log.log_start_offset(),
           .partition_max_bytes = config_.replica_fetch_max_bytes});
      asked[tp] = {st.leader_epoch, offset};
    }
    if (asked.empty()) co_return true;
    const auto timeout = std::chrono::milliseconds(config_.replica_socket_timeout_ms +
                                                   config_.replica_fetch_wait_max_ms);
    auto [ec, resp] = co_await client_->async_request<msg::FetchResponse>(
        req, kFetchVersion, kAwait, {.timeout = timeout});
    if (ec) {
      spdlog::warn("[ReplicaFetcher {}] Fetch from broker {} ({}:{}) failed: {}", name_, leader_.id,
                   leader_.host, leader_.port, ec.message());
      co_return false;
    }
    if (resp.body.error_code != 0) {
      spdlog::warn("[ReplicaFetcher {}] Fetch from broker {} answered {}", name_, leader_.id,
                   error_name(static_cast<ErrorCode>(resp.body.error_code)));
      co_return false;
    }
    bool all_ok = true;
    for (const auto& t : resp.body.responses) {
      for (const auto& p : t.partitions) {
        log::TopicPartition tp{t.topic, p.partition_index};
        auto it = parts_.find(tp);
        auto a = asked.find(tp);
        if (it == parts_.end() || a == asked.end() || it->second.leader_epoch != a->second.first) {
          continue;  // removed or re-added while the fetch was out
        }
        State& st = it->second;
        const auto error = static_cast<ErrorCode>(p.error_code);
        if (error == ErrorCode::kOffsetOutOfRange) {
          all_ok = co_await reset_out_of_range(tp, st) && all_ok;
          continue;
        }
        if (error != ErrorCode::kNone) {
          spdlog::info("[ReplicaFetcher {}] {}-{}: Fetch answered {}", name_, tp.topic,
                       tp.partition, error_name(error));
          all_ok = false;
          continue;
        }
        if (st.partition->log().log_end_offset() != a->second.second) continue;
        const ByteView bytes = p.records.bytes.first(whole_batches_size(p.records.bytes));
        if (bytes.empty() && !p.records.bytes.empty()) {
          spdlog::warn("[ReplicaFetcher {}] {}-{}: the leader's answer at {} holds no whole batch "
                       "({} bytes; replica.fetch.max.bytes is {})",
                       name_, tp.topic, tp.partition, a->second.second, p.records.bytes.size(),
                       config_.replica_fetch_max_bytes);
          all_ok = false;
          continue;
        }
        if (!bytes.empty()) {
          // The response buffer is ours (resp.buffer); the follower append reads it in place.
          std::span<uint8_t> span(const_cast<uint8_t*>(bytes.data()), bytes.size());
          auto r = st.partition->append_as_follower(span, p.high_watermark);
          if (!r.ok()) {
            spdlog::error("[ReplicaFetcher {}] {}-{}: follower append at {} failed: {}", name_,
                          tp.topic, tp.partition, a->second.second, error_name(r.error()));
            all_ok = false;
          }
        } else {
          st.partition->update_follower_high_watermark(p.high_watermark);
        }
      }
    }
    co_return all_ok;
  }

  // The leader no longer has our fetch offset: start again at its log start (Kafka's
  // handleOutOfRangeError when the leader's log start is past our end), or truncate to its end.
  asio::awaitable<bool> reset_out_of_range(log::TopicPartition tp, State state) {
    // `state` is a copy: parts_ may change while this waits.
    const State& st = state;
    auto ask = [&](int64_t ts) {
      msg::ListOffsetsRequest req;
      req.replica_id = local_id_;
      req.topics.push_back({.name = tp.topic});
      req.topics.back().partitions.push_back({.partition_index = tp.partition,
                                              .current_leader_epoch = st.leader_epoch,
                                              .timestamp = ts});
      return client_->async_request<msg::ListOffsetsResponse>(req, kListOffsetsVersion, kAwait);
    };
    auto [ec1, earliest] = co_await ask(log::kEarliestTimestamp);
    auto [ec2, latest] = co_await ask(log::kLatestTimestamp);
    auto offset_of = [](const client::Response<msg::ListOffsetsResponse>& r) -> int64_t {
      if (r.body.topics.empty() || r.body.topics[0].partitions.empty()) return -1;
      const auto& p = r.body.topics[0].partitions[0];
      return p.error_code == 0 ? p.offset : -1;
    };
    const int64_t start = ec1 ? -1 : offset_of(earliest);
    const int64_t end = ec2 ? -1 : offset_of(latest);
    if (start < 0 || end < 0) co_return false;
    log::PartitionLog& log = st.partition->log();
    if (end < log.log_end_offset()) {
      spdlog::warn("[ReplicaFetcher {}] {}-{}: truncating to the leader's end {}", name_, tp.topic,
                   tp.partition, end);
      co_return log.truncate_to(end).ok();
    }
    spdlog::warn("[ReplicaFetcher {}] {}-{}: restarting the log at the leader's start {}", name_,
                 tp.topic, tp.partition, start);
    co_return log.truncate_fully_and_start_at(start).ok();
  }

  asio::strand<asio::io_context::executor_type> strand_;
  int32_t local_id_;
  const ReplicationConfig& config_;
  LeaderEndpoint leader_;
  std::string name_;
  std::shared_ptr<client::KafkaClient> client_;
  asio::steady_timer idle_;
  asio::steady_timer backoff_;
  std::map<log::TopicPartition, State> parts_;
  bool stopped_ = false;
};

ReplicaFetcherManager::ReplicaFetcherManager(int32_t local_id, const ReplicationConfig& config)
    : local_id_(local_id),
      config_(config),
      work_(std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
          io_.get_executor())) {
  const int n = std::max(1, config.num_replica_fetchers);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { io_.run(); });
}

ReplicaFetcherManager::~ReplicaFetcherManager() { shutdown(); }

int ReplicaFetcherManager::fetcher_id(const log::TopicPartition& tp) const {
  // Kafka's getFetcherId: hash of topic and partition modulo num.replica.fetchers.
  const size_t h = std::hash<std::string>()(tp.topic) * 31 + static_cast<size_t>(tp.partition);
  return static_cast<int>(h % static_cast<size_t>(std::max(1, config_.num_replica_fetchers)));
}

void ReplicaFetcherManager::add(PartitionPtr partition, LeaderEndpoint leader,
                                int32_t leader_epoch) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  const log::TopicPartition tp = partition->tp();
  if (auto it = assigned_.find(tp); it != assigned_.end()) {
    it->second->remove(tp);
    assigned_.erase(it);
  }
  const auto key = std::make_pair(leader.id, fetcher_id(tp));
  auto& f = fetchers_[key];
  if (f && (f->leader().host != leader.host || f->leader().port != leader.port)) {
    f->stop();  // the leader moved to another endpoint
    f.reset();
  }
  if (!f) {
    f = std::make_shared<Fetcher>(io_, local_id_, config_, leader,
                                  "replicaId=" + std::to_string(local_id_) +
                                      ", leaderId=" + std::to_string(leader.id) +
                                      ", fetcherId=" + std::to_string(key.second));
    f->start();
  }
  f->add(std::move(partition), leader_epoch);
  assigned_[tp] = f;
}

void ReplicaFetcherManager::remove(const log::TopicPartition& tp) {
  std::lock_guard lock(mu_);
  if (auto it = assigned_.find(tp); it != assigned_.end()) {
    it->second->remove(tp);
    assigned_.erase(it);
  }
}

void ReplicaFetcherManager::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [_, f] : fetchers_) f->stop();
    fetchers_.clear();
    assigned_.clear();
  }
  work_.reset();
  // Fetch requests in flight end when their clients close; bounded by the socket timeout.
  for (auto& t : threads_) t.join();
}

}  // namespace fjord
