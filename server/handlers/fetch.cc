// Fetch (key 1): reads each partition up to its high watermark (the last stable offset for
// read_committed) and sends the log bytes with sendfile. When fewer than min_bytes are ready
// the fetch waits up to max_wait_ms and is woken by the append that brings data, not by
// polling. Fetch v0-v3 get down-converted magic 0/1 data (copied, not spliced): the file read
// and the conversion run on the blocking-work pool, the answer goes out from the loop.
//
// Fetch sessions (KIP-227, v7+): epoch 0 creates a session from the full request, later
// epochs send only changes (forgotten partitions removed) and get back only the partitions
// with records, errors or moved offsets; epoch -1 fetches without a session. Partitions are
// read and answered in request order (a session's order for incremental fetches: new ones at
// the end, and each one that returned records moved to the end, as Kafka's FetchSession).
#include <unistd.h>

#include <algorithm>

#include <asio/steady_timer.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/post.hpp>

#include "protocol/records/conversion.h"
#include "server/broker.h"
#include "server/fetch_session.h"
#include "server/handlers/handlers.h"
#include "server/handlers/live_brokers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::FetchResponse;

struct Wanted {
  SessionPartitionKey key;
  int64_t fetch_offset = 0;
  int32_t max_bytes = 0;
  PartitionPtr partition;  // null: error
  ErrorCode error = ErrorCode::kNone;
};

int8_t legacy_magic_for(int16_t version) { return version <= 1 ? 0 : 1; }

// A region an old fetch version needs as magic 0/1: read and converted on the blocking pool.
struct DownConversion {
  size_t index = 0;  // into the response's partition data
  FileRegion region;
  log::SegmentPtr segment;  // keeps region.fd open
  Bytes converted;
  RecordError error = RecordError::kNone;
};

// Reads one partition into `out`, charging `budget`. For v0-v3 the data is left in
// `conversions` for down-conversion instead of being spliced.
void read_partition(const Wanted& w, int16_t version, bool read_committed, bool from_follower,
                    int32_t& budget,
                    bool& first_with_data, Resp::PartitionData& out, Response& keep,
                    size_t index, std::vector<DownConversion>& conversions) {
  out.partition_index = w.key.partition;
  if (!w.partition) {
    out.error_code = static_cast<int16_t>(w.error);
    out.high_watermark = -1;
    out.last_stable_offset = -1;
    out.log_start_offset = -1;
    out.records = RecordsRef::of(ByteView());
    return;
  }
  log::PartitionLog& log = w.partition->log();
  const int64_t hw = log.high_watermark();
  out.high_watermark = hw;
  out.last_stable_offset = hw;
  out.log_start_offset = log.log_start_offset();
  // Kafka: null unless read_committed, then the (here always empty) aborted transactions of
  // the range read; null again when the read fails. Unknown partitions keep the empty default.
  if (read_committed) {
    out.aborted_transactions.emplace();
  } else {
    out.aborted_transactions.reset();
  }
  const bool hard_limit = version <= 2;  // v0-v2: partition_max_bytes is a hard limit
  int32_t max = std::min(w.max_bytes, budget);
  if (max <= 0 && !first_with_data) {
    out.records = RecordsRef::of(ByteView());
    return;
  }
  // A follower reads up to the log end; consumers only up to the high watermark.
  const int64_t max_offset = from_follower ? log.log_end_offset() : hw;
  auto read = log.read(w.fetch_offset, std::max(max, 0), max_offset,
                       first_with_data && !hard_limit);
  if (!read.ok()) {
    out.aborted_transactions.reset();
    out.error_code = static_cast<int16_t>(read.error());
    out.high_watermark = -1;
    out.last_stable_offset = -1;
    out.log_start_offset = -1;
    out.records = RecordsRef::of(ByteView());
    return;
  }
  const FileRegion& region = read->region;
  if (region.length == 0) {
    out.records = RecordsRef::of(ByteView());
    return;
  }
  first_with_data = false;
  budget -= region.length;
  if (version <= 3) {
    // Old consumers understand only magic 0/1: copied and down-converted off the loop.
    out.records = RecordsRef::of(ByteView());
    conversions.push_back(DownConversion{index, region, read->segment, {}, RecordError::kNone});
    return;
  }
  out.records = RecordsRef::of(region);
  keep.keep_alive.push_back(read->segment);
}

// Blocking: preads each region and converts it to the fetch version's magic.
bool down_convert(std::vector<DownConversion>& conversions, int16_t version) {
  DecompressionBuffer scratch;
  Bytes raw;
  for (DownConversion& c : conversions) {
    raw.resize(static_cast<size_t>(c.region.length));
    ssize_t n = ::pread(c.region.fd, raw.data(), raw.size(), c.region.position);
    raw.resize(n > 0 ? static_cast<size_t>(n) : 0);
    c.error = convert_to_legacy(raw, legacy_magic_for(version), c.converted, scratch);
  }
  return true;
}

}  // namespace

asio::awaitable<Outcome> fetch(RequestContext& ctx, msg::FetchRequest& req) {
  const int16_t v = ctx.version();
  auto snap = ctx.broker.metadata().snapshot();
  FetchSessionCache& sessions = ctx.broker.fetch_sessions();

  // The partitions this request reads, from the request alone or merged into its session.
  SessionPartitions parts;
  auto key_of = [&](const msg::FetchRequest::FetchTopic& t, int32_t partition) {
    std::string name = t.topic;
    if (v >= 13) {
      const TopicMetadata* meta = snap->find(t.topic_id);
      name = meta ? meta->name : std::string();
    }
    return SessionPartitionKey{name, v >= 13 ? t.topic_id : Uuid{}, partition};
  };
  uint64_t request_index = 0;
  for (const auto& t : req.topics) {
    for (const auto& p : t.partitions) {
      auto [it, added] = parts.try_emplace(key_of(t, p.partition));
      SessionPartition& sp = it->second;
      if (added) sp.order = request_index++;  // a repeated partition keeps its first place
      sp.fetch_offset = p.fetch_offset;
      sp.max_bytes = p.partition_max_bytes;
      sp.log_start_offset = p.log_start_offset;
    }
  }
  int32_t session_id = 0;
  bool incremental = false;
  bool create_session = false;
  if (v >= 7) {
    if (req.session_epoch == FetchSessionCache::kFinalEpoch ||
        req.session_epoch == FetchSessionCache::kInitialEpoch) {
      if (req.session_id != 0) sessions.remove(req.session_id);
      create_session = req.session_epoch == FetchSessionCache::kInitialEpoch;
    } else {
      SessionPartitions cached;
      ErrorCode e = sessions.begin(req.session_id, req.session_epoch, &cached);
      if (e != ErrorCode::kNone) {
        Resp resp;
        resp.error_code = static_cast<int16_t>(e);
        co_return ctx.respond(resp);
      }
      // Partitions new to the session join its end, in request order.
      uint64_t end = 0;
      for (const auto& [key, c] : cached) end = std::max(end, c.order + 1);
      for (auto& [key, sp] : parts) {
        auto [it, added] = cached.try_emplace(key);
        auto& c = it->second;
        if (added) c.order = end + sp.order;
        c.fetch_offset = sp.fetch_offset;
        c.max_bytes = sp.max_bytes;
        c.log_start_offset = sp.log_start_offset;
      }
      for (const auto& f : req.forgotten_topics_data) {
        for (int32_t p : f.partitions) {
          std::string name = f.topic;
          if (v >= 13) {
            const TopicMetadata* meta = snap->find(f.topic_id);
            name = meta ? meta->name : std::string();
          }
          cached.erase(SessionPartitionKey{name, v >= 13 ? f.topic_id : Uuid{}, p});
        }
      }
      parts = std::move(cached);
      session_id = req.session_id;
      incremental = true;
    }
  }

  // A follower's fetch (replica id >= 0; v15+ carries it in replica_state) also reports its
  // log end offset to the leader.
  const int32_t replica_id = v >= 15 ? req.replica_state.replica_id : req.replica_id;
  const bool from_follower = replica_id >= 0;
  // Read and answered in the session's order (the request's for a full fetch), as Kafka.
  std::vector<std::pair<const SessionPartitionKey*, const SessionPartition*>> ordered;
  ordered.reserve(parts.size());
  for (const auto& [key, sp] : parts) ordered.emplace_back(&key, &sp);
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.second->order < b.second->order; });
  std::vector<Wanted> wanted;
  wanted.reserve(parts.size());
  for (const auto& [key_ptr, sp_ptr] : ordered) {
    const SessionPartitionKey& key = *key_ptr;
    const SessionPartition& sp = *sp_ptr;
    Wanted w{key, sp.fetch_offset, sp.max_bytes, nullptr, ErrorCode::kNone};
    if (v >= 13 && key.topic.empty()) {
      w.error = ErrorCode::kUnknownTopicId;
    } else {
      w.partition = ctx.broker.replicas().get(key.topic, key.partition);
      if (!w.partition) {
        w.error = missing_partition_error(ctx.broker, key.topic, key.partition);
      } else if (!w.partition->is_leader() &&
                 (from_follower || v < 11 || w.partition->role() != ReplicaRole::kFollower)) {
        // Followers fetch only from the leader; consumers too before v11 (KIP-392 lets v11+
        // consumers read a follower up to its high watermark, as Kafka does).
        w.partition = nullptr;
        w.error = ErrorCode::kNotLeaderOrFollower;
      }
    }
    wanted.push_back(std::move(w));
  }

  const bool read_committed = v >= 4 && req.isolation_level == 1;
  if (from_follower) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    for (const Wanted& w : wanted) {
      if (w.partition) w.partition->update_follower_fetch(replica_id, w.fetch_offset, now);
    }
  }
  const int32_t max_bytes = v >= 3 ? req.max_bytes : std::numeric_limits<int32_t>::max();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, req.max_wait_ms));
  auto executor = co_await asio::this_coro::executor;
  std::vector<int64_t> seen_leo;
  while (true) {
    Response keep;
    std::vector<DownConversion> conversions;  // their bytes are viewed until encoding
    int32_t budget = max_bytes;
    bool first_with_data = true;
    bool any_error = false;
    std::vector<int64_t> seen_hw;
    seen_leo.clear();
    std::vector<Resp::PartitionData> data(wanted.size());
    for (size_t i = 0; i < wanted.size(); ++i) {
      seen_hw.push_back(wanted[i].partition ? wanted[i].partition->log().high_watermark() : -1);
      seen_leo.push_back(wanted[i].partition ? wanted[i].partition->log().log_end_offset() : -1);
      read_partition(wanted[i], v, read_committed, from_follower, budget, first_with_data, data[i],
                     keep, i, conversions);
      any_error = any_error || data[i].error_code != 0;
    }
    if (!conversions.empty()) {
      co_await ctx.broker.blocking().run([&conversions, v] { return down_convert(conversions, v); });
      for (DownConversion& c : conversions) {
        Resp::PartitionData& pd = data[c.index];
        if (c.error != RecordError::kNone) {
          pd.error_code = static_cast<int16_t>(to_error_code(c.error));
          any_error = true;
        } else {
          pd.records = RecordsRef::of(ByteView(c.converted));
        }
      }
    }
    const int64_t bytes = int64_t{max_bytes} - budget;
    if (bytes >= req.min_bytes || any_error || wanted.empty() ||
        std::chrono::steady_clock::now() >= deadline) {
      Resp resp;
      // Kafka's IncrementalFetchContext moves each partition that returned records to the
      // end of the session, so the next fetch's budget reaches the others first.
      uint64_t end = ordered.empty() ? 0 : ordered.back().second->order + 1;
      for (size_t i = 0; i < wanted.size(); ++i) {
        SessionPartition& sp = parts[wanted[i].key];
        if (incremental && data[i].records.size() > 0) sp.order = end++;
        const Resp::PartitionData& pd = data[i];
        const bool changed = pd.error_code != 0 || pd.records.size() > 0 ||
                             pd.high_watermark != sp.high_watermark ||
                             pd.last_stable_offset != sp.last_stable_offset ||
                             pd.log_start_offset != sp.leader_log_start_offset;
        sp.high_watermark = pd.high_watermark;
        sp.last_stable_offset = pd.last_stable_offset;
        sp.leader_log_start_offset = pd.log_start_offset;
        if (incremental && !changed) continue;
        const SessionPartitionKey& key = wanted[i].key;
        if (resp.responses.empty() || resp.responses.back().topic != key.topic ||
            resp.responses.back().topic_id != key.topic_id) {
          Resp::FetchableTopicResponse tr;
          tr.topic = key.topic;
          tr.topic_id = key.topic_id;
          resp.responses.push_back(std::move(tr));
        }
        Resp::PartitionData& out_pd =
            resp.responses.back().partitions.emplace_back(std::move(data[i]));
        const auto error = static_cast<ErrorCode>(out_pd.error_code);
        if (v >= 16 &&
            (error == ErrorCode::kNotLeaderOrFollower || error == ErrorCode::kFencedLeaderEpoch)) {
          set_current_leader(ctx.broker, key.topic, key.partition, ctx.conn.listener_name,
                             out_pd.current_leader, resp.node_endpoints);  // KIP-951
        }
      }
      if (incremental) {
        sessions.finish(session_id, std::move(parts));
      } else if (create_session) {
        session_id = sessions.create(std::move(parts));
      }
      resp.session_id = session_id;
      Outcome out = ctx.respond(resp);
      out.response.keep_alive = std::move(keep.keep_alive);
      co_return out;
    }
    // Wait for an append to any of the partitions, or the deadline.
    auto timer = std::make_shared<asio::steady_timer>(executor, deadline);
    std::vector<std::pair<PartitionPtr, uint64_t>> registrations;
    for (const Wanted& w : wanted) {
      if (!w.partition) continue;
      std::weak_ptr<asio::steady_timer> weak = timer;
      uint64_t id = w.partition->on_next_append([weak, executor] {
        asio::post(executor, [weak] {
          if (auto t = weak.lock()) t->cancel();
        });
      });
      registrations.emplace_back(w.partition, id);
    }
    // Data may have arrived between the read and the registration: check once more.
    bool arrived = false;
    for (size_t i = 0; i < wanted.size(); ++i) {
      if (wanted[i].partition &&
          (wanted[i].partition->log().high_watermark() != seen_hw[i] ||
           (from_follower && wanted[i].partition->log().log_end_offset() != seen_leo[i]))) {
        arrived = true;
      }
    }
    if (!arrived) {
      (void)co_await timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    for (auto& [partition, id] : registrations) partition->remove_waiter(id);
  }
}

}  // namespace fjord::handlers
