// Produce (key 0): appends each partition's batches to the leader's log. acks=0 gets no
// response (and an error then closes the connection, as Kafka does, so the client refreshes
// its metadata); acks=1 is answered once the local append is done; acks=-1 once the high
// watermark passes the append (the ISR has it), NOT_ENOUGH_REPLICAS before the append when the
// ISR is below min.insync.replicas, REQUEST_TIMED_OUT after timeout_ms. A partition this broker
// does not lead answers NOT_LEADER_OR_FOLLOWER. When flush.messages is reached the fsync runs on
// the blocking-work pool and the answer waits for it. Produce v0-v2 may carry magic 0/1 message
// sets: they are converted to one magic-2 batch before the append.
#include <algorithm>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "protocol/records/batch_header.h"
#include "protocol/records/compression.h"
#include "protocol/records/conversion.h"
#include "server/broker.h"
#include "server/handlers/handlers.h"
#include "server/handlers/live_brokers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::ProduceResponse;

struct PartitionOutcome {
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // for the log; sent only with record_errors, as Kafka does
  log::AppendInfo info;
  PartitionPtr flush;  // set when the flush policy demands an fsync before the answer
  std::vector<log::RecordRejection> record_errors;
  int64_t log_start_offset = -1;  // in a failed answer (Kafka: -1 for the known errors)
  PartitionPtr appended;          // set on a successful append (acks=all waits on it)
  bool would_block = false;       // the append needs a segment roll: redone on the blocking pool
};

// Kafka's LogValidator.processRecordErrors: the exception message sent as error_message.
std::string record_errors_message(ErrorCode error,
                                  const std::vector<log::RecordRejection>& errors) {
  if (error == ErrorCode::kInvalidTimestamp) {
    return "One or more records have been rejected due to invalid timestamp";
  }
  std::string m = "One or more records have been rejected due to " + std::to_string(errors.size()) +
                  " record errors in total, and only showing the first three errors at most: [";
  for (size_t i = 0; i < errors.size() && i < 3; ++i) {
    if (i > 0) m += ", ";
    m += "RecordError(batchIndex=" + std::to_string(errors[i].batch_index) + ", message='" +
         errors[i].message + "')";
  }
  return m + "]";
}

// The errors ReplicaManager.appendToLocalLog answers with an unknown log start offset (-1);
// any other append failure carries the partition's log start offset.
bool answers_without_log_start(ErrorCode e) {
  switch (e) {
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kRecordListTooLarge:
    case ErrorCode::kCorruptMessage:
    case ErrorCode::kKafkaStorageError:
      return true;
    default:
      return false;
  }
}

// The size of the batch (or legacy message set entry) at pos in records, 0 when the bytes there
// do not hold a complete one; a length below the smallest record overhead is CORRUPT_MESSAGE,
// as in Kafka's ByteBufferLogInputStream.
size_t complete_batch_size(ByteView records, size_t pos, ErrorCode* error, std::string* message) {
  constexpr size_t kLogOverhead = 12;         // base offset + batch length
  constexpr int32_t kMinRecordOverhead = 14;  // LegacyRecord.RECORD_OVERHEAD_V0
  constexpr size_t kHeaderUpToMagic = 17;
  const size_t remaining = records.size() - pos;
  if (remaining < kLogOverhead) return 0;
  const int32_t length = batch_header::load_be<int32_t>(records.data() + pos + 8);
  if (length < kMinRecordOverhead) {
    *error = ErrorCode::kCorruptMessage;
    *message = "Record size " + std::to_string(length) +
               " is less than the minimum record overhead (14)";
    return 0;
  }
  if (remaining < kHeaderUpToMagic || remaining < kLogOverhead + static_cast<size_t>(length)) {
    return 0;
  }
  return kLogOverhead + static_cast<size_t>(length);
}

// Kafka's ProduceRequest.validateRecords, for v3+: the records field holds exactly one
// complete magic-2 batch (INVALID_RECORD otherwise), and no zstd before v7
// (UNSUPPORTED_COMPRESSION_TYPE). Bytes after the one batch that do not form a batch pass
// here, as in Kafka.
ErrorCode validate_v3_records(ByteView records, int16_t version, std::string* message) {
  const std::string prefix = "Produce requests with version " + std::to_string(version);
  ErrorCode error = ErrorCode::kNone;
  const size_t first = complete_batch_size(records, 0, &error, message);
  if (error != ErrorCode::kNone) return error;
  if (first == 0) {
    *message = prefix + " must have at least one record batch per partition";
    return ErrorCode::kInvalidRecord;
  }
  if (records[batch_header::kMagic] != 2) {
    *message = prefix + " are only allowed to contain record batches with magic version 2";
    return ErrorCode::kInvalidRecord;
  }
  const auto compression = static_cast<Compression>(batch_header::attributes(records.data()) &
                                                    batch_header::kCompressionMask);
  if (version < 7 && compression == Compression::kZstd) {
    *message = prefix + " are not allowed to use ZStandard compression";
    return ErrorCode::kUnsupportedCompressionType;
  }
  const size_t second = complete_batch_size(records, first, &error, message);
  if (error != ErrorCode::kNone) return error;
  if (second != 0) {
    *message = prefix + " are only allowed to contain exactly one record batch per partition";
    return ErrorCode::kInvalidRecord;
  }
  return ErrorCode::kNone;
}

// The bytes of records that form complete batches, from the start: Kafka's log append reads
// batches up to the first incomplete one and drops the rest (UnifiedLog.trimInvalidBytes).
size_t complete_batches_prefix(ByteView records, ErrorCode* error, std::string* message) {
  size_t pos = 0;
  while (size_t n = complete_batch_size(records, pos, error, message)) pos += n;
  return pos;
}

// Kafka's checks of one partition before any append (KafkaApis.handleProduceRequest), in its
// order: the partition exists here, then its records are well formed. The partition, or null
// with out.error set.
PartitionPtr check_partition(Broker& broker, const std::string& topic,
                             const msg::ProduceRequest::PartitionProduceData& data,
                             int16_t version, PartitionOutcome& out) {
  PartitionPtr partition = broker.replicas().get(topic, data.index);
  if (!partition) {
    out.error = missing_partition_error(broker, topic, data.index);
    return nullptr;
  }
  if (data.records.is_null) {  // Kafka fails the whole request on it (no answer); we answer
    out.error = ErrorCode::kCorruptMessage;
    out.message = "Produce request carries no records";
    return nullptr;
  }
  if (version >= 3) {
    out.error = validate_v3_records(data.records.bytes, version, &out.message);
    if (out.error != ErrorCode::kNone) return nullptr;
  }
  return partition;
}

// may_block=false on the event loop: an append that needs file work (a segment roll) appends
// nothing and comes back with would_block, to be redone on the blocking-work pool.
PartitionOutcome append_partition(Broker& broker, const std::string& topic,
                                  const msg::ProduceRequest::PartitionProduceData& data,
                                  int16_t version, int16_t acks, bool may_block) {
  PartitionOutcome out;
  PartitionPtr partition = check_partition(broker, topic, data, version, out);
  if (!partition) return out;
  const RecordsRef& records = data.records;
  const size_t valid = complete_batches_prefix(records.bytes, &out.error, &out.message);
  if (out.error != ErrorCode::kNone) return out;
  if (valid == 0) {  // v0-v2 with no complete batch: nothing appended, no error (as Kafka)
    out.info.log_start_offset = partition->log().log_start_offset();
    return out;
  }
  // The request frame is owned by the dispatcher for the whole handling and is ours to
  // modify: offsets and the leader epoch are assigned in place, without a copy.
  std::span<uint8_t> bytes(const_cast<uint8_t*>(records.bytes.data()), valid);
  const int8_t magic = static_cast<int8_t>(bytes[batch_header::kMagic]);
  Bytes converted;
  if (magic < 2) {  // v0-v2 only: validate_v3_records refused it for v3+
    DecompressionBuffer scratch;
    UpConversion options;
    options.assign_offsets_from = 0;
    RecordError e =
        convert_legacy_to_batch(ByteView(bytes.data(), bytes.size()), converted, scratch, options);
    if (e != RecordError::kNone) {
      out.error = to_error_code(e);
      out.message = std::string(record_error_name(e));
      return out;
    }
    bytes = std::span<uint8_t>(converted.data(), converted.size());
  }
  Result<log::AppendInfo> info = partition->append_as_leader(
      bytes, acks,
      {.defer_flush = true, .may_block = may_block, .record_errors = &out.record_errors});
  if (info.ok() && info->would_block) {
    out.would_block = true;
    return out;
  }
  if (!info.ok()) {
    out.error = info.error();
    if (!out.record_errors.empty())
      out.message = record_errors_message(out.error, out.record_errors);
    if (!answers_without_log_start(out.error)) {
      out.log_start_offset = partition->log().log_start_offset();
    }
    return out;
  }
  out.info = *info;
  if (info->flush_needed) out.flush = partition;
  out.appended = std::move(partition);
  return out;
}

// acks=all (Kafka's DelayedProduce): waits until every partition's high watermark passes its
// append, woken by the high watermark advance (Partition::on_next_append), not by polling.
// Partitions still short at timeout_ms answer REQUEST_TIMED_OUT.
template <typename Waiting>
asio::awaitable<void> await_replication(std::vector<Waiting>& waiting, int32_t timeout_ms) {
  auto executor = co_await asio::this_coro::executor;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, timeout_ms));
  std::vector<bool> done(waiting.size(), false);
  while (true) {
    auto timer = std::make_shared<asio::steady_timer>(executor, deadline);
    std::vector<uint64_t> ids(waiting.size(), 0);
    // Register before checking, so an advance between the check and the wait is not lost.
    for (size_t i = 0; i < waiting.size(); ++i) {
      if (done[i] || waiting[i].response == nullptr) continue;
      std::weak_ptr<asio::steady_timer> weak = timer;
      ids[i] = waiting[i].partition->on_next_append([weak, executor] {
        asio::post(executor, [weak] {
          if (auto t = weak.lock()) t->cancel();
        });
      });
    }
    bool pending = false;
    for (size_t i = 0; i < waiting.size(); ++i) {
      if (done[i] || waiting[i].response == nullptr) continue;
      std::optional<ErrorCode> r =
          waiting[i].partition->check_replicated(waiting[i].required_offset);
      if (r) {
        done[i] = true;
        if (*r != ErrorCode::kNone) {
          waiting[i].response->error_code = static_cast<int16_t>(*r);
          if (*r != ErrorCode::kNotEnoughReplicasAfterAppend) waiting[i].response->base_offset = -1;
        }
      } else {
        pending = true;
      }
    }
    if (pending && std::chrono::steady_clock::now() < deadline) {
      (void)co_await timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    for (size_t i = 0; i < waiting.size(); ++i) {
      if (ids[i] != 0) waiting[i].partition->remove_waiter(ids[i]);
    }
    if (!pending) co_return;
    if (std::chrono::steady_clock::now() >= deadline) {
      for (size_t i = 0; i < waiting.size(); ++i) {
        if (done[i] || waiting[i].response == nullptr) continue;
        waiting[i].response->error_code = static_cast<int16_t>(ErrorCode::kRequestTimedOut);
        waiting[i].response->base_offset = -1;
      }
      co_return;
    }
  }
}

}  // namespace

asio::awaitable<Outcome> produce(RequestContext& ctx, msg::ProduceRequest& req) {
  const int16_t v = ctx.version();
  const bool valid_acks = req.acks == 0 || req.acks == 1 || req.acks == -1;
  std::vector<PartitionOutcome> outcomes;
  for (const auto& topic : req.topic_data) {
    for (const auto& data : topic.partition_data) {
      PartitionOutcome& o = outcomes.emplace_back();
      if (!valid_acks) {
        // As Kafka: a partition that fails its own checks gets that error; the others
        // INVALID_REQUIRED_ACKS, and nothing is appended.
        if (check_partition(ctx.broker, topic.name, data, v, o)) {
          o.error = ErrorCode::kInvalidRequiredAcks;
        }
      } else {
        o = append_partition(ctx.broker, topic.name, data, v, req.acks, /*may_block=*/false);
      }
    }
  }
  // A segment roll creates files and writes a producer snapshot: those appends run on the
  // blocking-work pool. Requests of one connection are handled in order, so its appends keep
  // their order.
  if (std::any_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.would_block; })) {
    co_await ctx.broker.blocking().run([&] {
      size_t i = 0;
      for (const auto& topic : req.topic_data) {
        for (const auto& data : topic.partition_data) {
          PartitionOutcome& o = outcomes[i++];
          if (o.would_block) {
            o = append_partition(ctx.broker, topic.name, data, v, req.acks, /*may_block=*/true);
          }
        }
      }
      return true;
    });
  }
  // flush.messages reached: Kafka fsyncs before it acknowledges. The fsyncs run on the
  // blocking-work pool; this loop serves its other connections meanwhile.
  if (std::any_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.flush; })) {
    co_await ctx.broker.blocking().run([&outcomes] {
      for (PartitionOutcome& o : outcomes) {
        if (!o.flush) continue;
        if (auto r = o.flush->complete_flush(o.info); !r) {
          spdlog::error("fsync of {}-{} failed: {}; the produce is answered with it",
                        o.flush->tp().topic, o.flush->tp().partition, error_name(r.error()));
          o.error = ErrorCode::kKafkaStorageError;
        }
      }
      return true;
    });
  }
  Resp resp;
  bool any_error = false;
  // acks=all: partitions appended to, with the offset the high watermark must pass.
  struct Waiting {
    PartitionPtr partition;
    int64_t required_offset;
    Resp::PartitionProduceResponse* response;
  };
  std::vector<Waiting> waiting;
  std::vector<std::pair<size_t, size_t>> waiting_at;  // (topic, partition) response indexes
  size_t next_outcome = 0;
  for (const auto& topic : req.topic_data) {
    Resp::TopicProduceResponse tr;
    tr.name = topic.name;
    for (const auto& data : topic.partition_data) {
      const PartitionOutcome& o = outcomes[next_outcome++];
      Resp::PartitionProduceResponse pr;
      pr.index = data.index;
      pr.error_code = static_cast<int16_t>(o.error);
      if (o.error == ErrorCode::kNone) {
        pr.base_offset = o.info.first_offset;
        pr.log_append_time_ms = o.info.log_append_time;
        pr.log_start_offset = o.info.log_start_offset;
      } else {
        any_error = true;
        pr.base_offset = -1;
        pr.log_append_time_ms = -1;
        pr.log_start_offset = o.log_start_offset;
        if (!o.record_errors.empty()) {
          pr.error_message = o.message;
          for (const log::RecordRejection& r : o.record_errors) {
            Resp::BatchIndexAndErrorMessage e;
            e.batch_index = r.batch_index;
            e.batch_index_error_message = r.message;
            pr.record_errors.push_back(std::move(e));
          }
        }
        if (v >= 10 && o.error == ErrorCode::kNotLeaderOrFollower) {
          set_current_leader(ctx.broker, topic.name, data.index, ctx.conn.listener_name,
                             pr.current_leader, resp.node_endpoints);  // KIP-951
        }
        if (o.error != ErrorCode::kUnknownTopicOrPartition) {
          spdlog::debug("produce to {}-{} from {} failed: {} {}", topic.name, data.index,
                        ctx.client_id(), error_name(o.error), o.message);
        }
      }
      if (req.acks == -1 && o.error == ErrorCode::kNone && o.appended) {
        waiting.push_back({o.appended, o.info.last_offset + 1, nullptr});
        waiting_at.emplace_back(resp.responses.size(), tr.partition_responses.size());
      }
      tr.partition_responses.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(tr));
  }
  if (req.acks == 0) {
    co_return any_error ? Outcome::close() : Outcome::no_response();
  }
  if (!waiting.empty()) {
    // Point each waiting entry at its response (the vectors no longer grow).
    for (size_t i = 0; i < waiting.size(); ++i) {
      waiting[i].response =
          &resp.responses[waiting_at[i].first].partition_responses[waiting_at[i].second];
    }
    co_await await_replication(waiting, req.timeout_ms);
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
