// Fetch (key 1): reads each partition up to its high watermark (the last stable offset for
// read_committed) and sends the log bytes with sendfile. When fewer than min_bytes are ready
// the fetch waits up to max_wait_ms and is woken by the append that brings data, not by
// polling. Fetch v0-v3 get down-converted magic 0/1 data (copied, not spliced).
//
// Fetch sessions (KIP-227): this broker does not keep sessions yet and answers every
// request in full with session id 0, which KIP-227 clients accept as "no session"
// (the behaviour of a Kafka broker whose session cache is full).
#include <unistd.h>

#include <asio/steady_timer.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/post.hpp>

#include "protocol/records/conversion.h"
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::FetchResponse;

struct Wanted {
  PartitionPtr partition;  // null: error
  ErrorCode error = ErrorCode::kNone;
  const msg::FetchRequest::FetchPartition* request;
  size_t topic_index;
};

int8_t legacy_magic_for(int16_t version) { return version <= 1 ? 0 : 1; }

// Reads one partition into `out`, charging `budget`.
void read_partition(const Wanted& w, int16_t version, bool read_committed, int32_t& budget,
                    bool& first_with_data, Resp::PartitionData& out, Response& keep,
                    std::vector<Bytes>& copies) {
  out.partition_index = w.request->partition;
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
  if (read_committed) out.aborted_transactions.emplace();
  const bool hard_limit = version <= 2;  // v0-v2: partition_max_bytes is a hard limit
  int32_t max = std::min(w.request->partition_max_bytes, budget);
  if (max <= 0 && !first_with_data) {
    out.records = RecordsRef::of(ByteView());
    return;
  }
  auto read = log.read(w.request->fetch_offset, std::max(max, 0), hw,
                       first_with_data && !hard_limit);
  if (!read.ok()) {
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
    // Old consumers understand only magic 0/1: copy and down-convert.
    Bytes raw(static_cast<size_t>(region.length));
    ssize_t n = ::pread(region.fd, raw.data(), raw.size(), region.position);
    raw.resize(n > 0 ? static_cast<size_t>(n) : 0);
    Bytes converted;
    DecompressionBuffer scratch;
    RecordError e = convert_to_legacy(raw, legacy_magic_for(version), converted, scratch);
    if (e != RecordError::kNone) {
      out.error_code = static_cast<int16_t>(to_error_code(e));
      out.records = RecordsRef::of(ByteView());
      return;
    }
    copies.push_back(std::move(converted));
    out.records = RecordsRef::of(ByteView(copies.back()));
    return;
  }
  out.records = RecordsRef::of(region);
  keep.keep_alive.push_back(read->segment);
}

}  // namespace

asio::awaitable<Outcome> fetch(RequestContext& ctx, msg::FetchRequest& req) {
  const int16_t v = ctx.version();
  if (v >= 7 && req.session_id != 0) {
    Resp resp;
    resp.error_code = static_cast<int16_t>(ErrorCode::kFetchSessionIdNotFound);
    co_return ctx.respond(resp);
  }
  auto snap = ctx.broker.metadata().snapshot();
  std::vector<Wanted> wanted;
  std::vector<std::pair<std::string, Uuid>> topics;  // per request topic
  for (const auto& t : req.topics) {
    std::string name = t.topic;
    ErrorCode topic_error = ErrorCode::kNone;
    if (v >= 13) {
      const TopicMetadata* meta = snap->find(t.topic_id);
      if (meta) name = meta->name;
      else topic_error = ErrorCode::kUnknownTopicId;
    }
    topics.emplace_back(name, t.topic_id);
    for (const auto& p : t.partitions) {
      Wanted w{nullptr, topic_error, &p, topics.size() - 1};
      if (topic_error == ErrorCode::kNone) {
        w.partition = ctx.broker.replicas().get(name, p.partition);
        if (!w.partition) w.error = ErrorCode::kUnknownTopicOrPartition;
      }
      wanted.push_back(w);
    }
  }

  const bool read_committed = v >= 4 && req.isolation_level == 1;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, req.max_wait_ms));
  auto executor = co_await asio::this_coro::executor;
  while (true) {
    Resp resp;
    Response keep;
    std::vector<Bytes> copies;
    copies.reserve(wanted.size());  // views into copies must stay valid
    int32_t budget = v >= 3 ? req.max_bytes : std::numeric_limits<int32_t>::max();
    bool first_with_data = true;
    bool any_error = false;
    std::vector<int64_t> seen_hw;
    seen_hw.reserve(wanted.size());
    for (const Wanted& w : wanted) {
      if (resp.responses.empty() || resp.responses.back().topic != topics[w.topic_index].first ||
          resp.responses.back().topic_id != topics[w.topic_index].second) {
        Resp::FetchableTopicResponse tr;
        tr.topic = topics[w.topic_index].first;
        tr.topic_id = topics[w.topic_index].second;
        resp.responses.push_back(std::move(tr));
      }
      Resp::PartitionData pd;
      seen_hw.push_back(w.partition ? w.partition->log().high_watermark() : -1);
      read_partition(w, v, read_committed, budget, first_with_data, pd, keep, copies);
      any_error = any_error || pd.error_code != 0;
      resp.responses.back().partitions.push_back(std::move(pd));
    }
    const int64_t bytes =
        (v >= 3 ? req.max_bytes : std::numeric_limits<int32_t>::max()) - int64_t{budget};
    if (bytes >= req.min_bytes || any_error || wanted.empty() ||
        std::chrono::steady_clock::now() >= deadline) {
      Outcome out = ctx.respond(resp);
      out.response.keep_alive = std::move(keep.keep_alive);
      // Down-converted copies are referenced by the encoded bytes only after encoding, which
      // copied them: nothing else to keep.
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
      if (wanted[i].partition && wanted[i].partition->log().high_watermark() != seen_hw[i]) {
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
