#include "log/partition_log.h"

#include <spdlog/spdlog.h>

#include <random>

#include "log/batch_scanner.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/record_batch.h"

namespace fjord::log {

namespace bh = batch_header;

PartitionLog::PartitionLog(const PartitionLogParams& params)
    : dir_(params.dir),
      tp_(params.tp),
      config_(params.config),
      clock_(params.clock),
      scheduler_(params.scheduler != nullptr ? params.scheduler : &inline_scheduler_),
      epochs_(std::make_shared<LeaderEpochCache>(params.dir)),
      producers_(params.dir) {}

PartitionLog::~PartitionLog() = default;

Result<std::unique_ptr<PartitionLog>> PartitionLog::open(const PartitionLogParams& params) {
  const bool created = !file_exists(params.dir);
  if (auto r = create_dirs(params.dir); !r) return r.error();
  std::unique_ptr<PartitionLog> log(new PartitionLog(params));
  log->dir_sync_pending_.store(created);
  if (auto r = log->epochs_->load(); !r) return r.error();
  LoadParams lp{params.dir,
                params.config,
                params.clock->now_ms(),
                params.recovery_point,
                params.log_start_offset,
                params.clean_shutdown};
  auto loaded = load_partition_dir(lp, *log->epochs_);
  if (!loaded) return loaded.error();
  log->load_report_.next_offset = loaded->next_offset;
  log->load_report_.recovered = loaded->recovered;
  int64_t lso = std::max(params.log_start_offset, loaded->segments.front()->base_offset());
  lso = std::min(lso, loaded->next_offset);
  log->log_start_offset_.store(lso);
  log->log_end_offset_.store(loaded->next_offset);
  log->recovery_point_->store(loaded->recovery_point);
  log->high_watermark_.store(lso);
  log->last_flush_ms_.store(params.clock->now_ms());
  log->epochs_->truncate_from_start(lso);
  // Recovery may have rebuilt entries: one write now (start-up runs off the event loops).
  if (auto r = log->epochs_->flush(); !r) return r.error();
  log->publish(std::make_shared<const SegmentList>(std::move(loaded->segments)));
  // Snapshots past the recovery point may describe data that recovery cut (or may not have
  // reached the disk): only one at or below it is trusted.
  if (auto r = log->producers_.delete_snapshots_after(loaded->recovery_point); !r) {
    return r.error();
  }
  if (auto r = log->rebuild_producer_state(); !r) return r.error();
  return log;
}

LogConfig PartitionLog::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

void PartitionLog::update_config(const LogConfig& config) {
  std::lock_guard lock(config_mu_);
  config_ = config;
}

std::shared_ptr<const PartitionLog::SegmentList> PartitionLog::snapshot() const {
  std::lock_guard lock(segments_mu_);
  return segments_;
}

void PartitionLog::publish(std::shared_ptr<const SegmentList> list) {
  active_ = list->back();
  std::lock_guard lock(segments_mu_);
  segments_ = std::move(list);
}

std::vector<SegmentPtr> PartitionLog::segments() const { return *snapshot(); }

int PartitionLog::num_segments() const { return static_cast<int>(snapshot()->size()); }

int64_t PartitionLog::size_in_bytes() const {
  int64_t n = 0;
  for (const auto& s : *snapshot()) n += s->size();
  return n;
}

void PartitionLog::update_high_watermark(int64_t hw) {
  hw = std::clamp(hw, log_start_offset(), log_end_offset());
  high_watermark_.store(hw, std::memory_order_release);
}

int64_t PartitionLog::random_jitter() const {
  int64_t jitter = config().segment_jitter_ms;
  if (jitter <= 0) return 0;
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t bound = std::min(jitter, config().segment_ms);
  return static_cast<int64_t>(rng() % static_cast<uint64_t>(bound));
}

// --- writes ---------------------------------------------------------------------------

namespace {

// One per thread, reused: record validation allocates nothing once it has grown.
DecompressionBuffer& scratch() {
  static thread_local DecompressionBuffer buffer;
  return buffer;
}

struct Framed {
  uint8_t* data;
  size_t size;
};

// Splits the records field into batches; CORRUPT_MESSAGE on bad framing.
template <typename F>
ErrorCode for_each_batch(std::span<uint8_t> batches, F&& f) {
  size_t pos = 0;
  while (pos < batches.size()) {
    if (batches.size() - pos < bh::kSize) return ErrorCode::kCorruptMessage;
    uint8_t* h = batches.data() + pos;
    int64_t total = bh::total_size(h);
    if (total < static_cast<int64_t>(bh::kSize) ||
        static_cast<uint64_t>(total) > batches.size() - pos) {
      return ErrorCode::kCorruptMessage;
    }
    if (ErrorCode e = f(Framed{h, static_cast<size_t>(total)}); e != ErrorCode::kNone) return e;
    pos += static_cast<size_t>(total);
  }
  return ErrorCode::kNone;
}

// Java's long arithmetic wraps; Kafka's messages show the wrapped values.
int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

bool record_checks_needed(const RecordBatchView& batch, const LogConfig& cfg) {
  return cfg.cleanup_compact || batch.timestamp_type() == TimestampType::kLogAppendTime ||
         (cfg.timestamp_type == TimestampType::kCreateTime &&
          (cfg.effective_timestamp_before_max_ms() != LogConfig::kNoLimit ||
           cfg.effective_timestamp_after_max_ms() != LogConfig::kNoLimit));
}

// Kafka's LogValidator.validateBatch for a client's magic-2 batch: at least one record, no
// control batch, a sequence number with a producer id. (Offsets counted from lastOffsetDelta
// must match the count: validate_records' contiguous_offsets.)
ErrorCode check_client_batch(const RecordBatchView& batch) {
  if (batch.records_count() <= 0 || batch.is_control()) return ErrorCode::kInvalidRecord;
  if (batch.producer_id() >= 0 && batch.base_sequence() < 0) return ErrorCode::kInvalidRecord;
  return ErrorCode::kNone;
}

// Kafka's LogValidator.validateRecord (key, then timestamp) for every record of a produced
// batch; the code is INVALID_TIMESTAMP when any timestamp failed, else INVALID_RECORD.
ErrorCode check_records(const RecordBatchView& batch, const LogConfig& cfg,
                        const TopicPartition& tp, int64_t now,
                        std::vector<RecordRejection>* rejections) {
  auto reader = batch.records(scratch());
  if (!reader) return ErrorCode::kCorruptMessage;  // validate_records passed: not reached
  const int64_t before = cfg.effective_timestamp_before_max_ms();
  const int64_t after = cfg.effective_timestamp_after_max_ms();
  bool any = false;
  bool timestamp_error = false;
  int32_t index = 0;
  auto reject = [&](std::string message) {
    any = true;
    if (rejections) rejections->push_back({index, std::move(message)});
  };
  Record record;
  for (; reader->next(record); ++index) {
    if (cfg.cleanup_compact && !record.key) {
      reject("Compacted topic cannot accept message without key in topic partition " + tp.topic +
             "-" + std::to_string(tp.partition));
      continue;
    }
    if (cfg.timestamp_type == TimestampType::kCreateTime && record.timestamp != kNoTimestamp) {
      int64_t diff = wrapping_sub(now, record.timestamp);
      if (diff > before || wrapping_sub(0, diff) > after) {
        timestamp_error = true;
        reject("Timestamp " + std::to_string(record.timestamp) + " of message with offset " +
               std::to_string(record.offset) +
               " is out of range. The timestamp should be within [" +
               std::to_string(wrapping_sub(now, before)) + ", " +
               std::to_string(wrapping_add(now, after)) + "]");
      }
    } else if (batch.timestamp_type() == TimestampType::kLogAppendTime) {
      timestamp_error = true;
      reject("Invalid timestamp type in message DefaultRecord(offset=" +
             std::to_string(record.offset) + ", timestamp=" + std::to_string(record.timestamp) +
             ", key=" + std::to_string(record.key ? record.key->size() : 0) +
             " bytes, value=" + std::to_string(record.value ? record.value->size() : 0) +
             " bytes). Producer should not set timestamp type to LogAppendTime.");
    }
  }
  if (!any) return ErrorCode::kNone;
  return timestamp_error ? ErrorCode::kInvalidTimestamp : ErrorCode::kInvalidRecord;
}

}  // namespace

Result<AppendInfo> PartitionLog::append_as_leader(std::span<uint8_t> batches, int32_t leader_epoch,
                                                  const LeaderAppendOptions& options) {
  std::vector<RecordRejection>* record_errors = options.record_errors;
  LogConfig cfg = config();
  AppendInfo info;
  bool flush_now = false;
  {
    std::lock_guard lock(writer_mu_);
    if (closed_) return ErrorCode::kKafkaStorageError;
    const int64_t now = clock_->now_ms();
    if (batches.size() > static_cast<size_t>(cfg.segment_bytes)) {
      return ErrorCode::kRecordListTooLarge;
    }
    // Validate everything before appending anything: an append is all or nothing. (A batch's
    // maxTimestamp is set as soon as that batch passed, as Kafka's LogValidator does; nothing
    // of a refused request reaches the log.)
    ErrorCode e = for_each_batch(batches, [&](Framed b) {
      if (b.size > static_cast<size_t>(cfg.max_message_bytes)) return ErrorCode::kMessageTooLarge;
      auto view = RecordBatchView::parse(ByteView(b.data, b.size));
      if (!view) return view.error_code();
      int64_t max_record_timestamp = kNoTimestamp;
      if (RecordError re = view->validate_records(scratch(), {.contiguous_offsets = true},
                                                  &max_record_timestamp);
          re != RecordError::kNone) {
        return to_error_code(re);
      }
      if (options.from_client) {
        if (ErrorCode ce = check_client_batch(*view); ce != ErrorCode::kNone) return ce;
      }
      if (record_checks_needed(*view, cfg)) {
        ErrorCode ce = check_records(*view, cfg, tp_, now, record_errors);
        if (ce != ErrorCode::kNone) return ce;
      }
      // LogValidator: under CreateTime the batch's maxTimestamp is its largest record
      // timestamp, whatever the producer wrote (LogAppendTime is set below).
      if (cfg.timestamp_type == TimestampType::kCreateTime) {
        set_create_time_max_timestamp(std::span(b.data, b.size), max_record_timestamp);
      }
      return ErrorCode::kNone;
    });
    if (e != ErrorCode::kNone) return e;
    if (batches.empty()) return ErrorCode::kCorruptMessage;
    // Kafka's analyzeAndValidateProducerState: a retried batch is answered with the offsets
    // it got the first time and is not appended again.
    std::optional<BatchMetadata> duplicate;
    (void)for_each_batch(batches, [&](Framed b) {
      if (!duplicate) duplicate = producers_.find_duplicate(ProducerBatch::from_header(b.data));
      return ErrorCode::kNone;
    });
    if (duplicate) {
      info.first_offset = duplicate->first_offset();
      info.last_offset = duplicate->last_offset;
      info.log_append_time = duplicate->timestamp;  // as Kafka's UnifiedLog.append
      info.log_start_offset = log_start_offset();
      return info;
    }
    int64_t next = log_end_offset();
    if (!options.may_block) {
      // Decided before the batches are touched: a refused append is retried as it came.
      int64_t last = next - 1;
      int64_t max_ts = kNoTimestamp;
      (void)for_each_batch(batches, [&](Framed b) {
        last += bh::last_offset_delta(b.data) + 1;
        max_ts = std::max(max_ts, cfg.timestamp_type == TimestampType::kLogAppendTime
                                      ? now
                                      : bh::max_timestamp(b.data));
        return ErrorCode::kNone;
      });
      auto ready =
          maybe_roll(cfg, now, static_cast<int64_t>(batches.size()), max_ts, last, false);
      if (!ready) return ready.error();
      if (!*ready) return AppendInfo{.would_block = true};
    }
    (void)for_each_batch(batches, [&](Framed b) {
      bh::set_base_offset(b.data, next);
      bh::set_partition_leader_epoch(b.data, leader_epoch);
      if (cfg.timestamp_type == TimestampType::kLogAppendTime) {
        set_log_append_time(std::span(b.data, b.size), now);
        info.log_append_time = now;
      }
      next = bh::last_offset(b.data) + 1;
      return ErrorCode::kNone;
    });
    ProducerAppend producer_append;
    e = for_each_batch(batches, [&](Framed b) {
      return producers_.validate_and_stage(ProducerBatch::from_header(b.data), producer_append);
    });
    if (e != ErrorCode::kNone) return e;
    if (auto r = append_locked(batches, info, cfg, now); !r) return r.error();
    producers_.commit(producer_append);
    producers_.update_map_end_offset(log_end_offset());
    if (leader_epoch >= 0 && leader_epoch > epochs_->latest_epoch().value_or(-1)) {
      // In memory only: the file follows in the background (schedule_epoch_flush) and is
      // written before the recovery point passes this offset (flush()).
      epochs_->assign(leader_epoch, info.first_offset);
      schedule_epoch_flush();
    }
    flush_now = log_end_offset() - recovery_point() >= cfg.flush_messages;
  }
  if (flush_now && options.defer_flush) {
    info.flush_needed = true;
  } else if (flush_now) {
    if (auto r = flush(); !r) return r.error();
  }
  return info;
}

Result<AppendInfo> PartitionLog::append_as_follower(std::span<uint8_t> batches) {
  LogConfig cfg = config();
  AppendInfo info;
  bool flush_now = false;
  {
    std::lock_guard lock(writer_mu_);
    if (closed_) return ErrorCode::kKafkaStorageError;
    if (batches.empty()) return info;
    int64_t expected_min = log_end_offset();
    bool first = true;
    ErrorCode e = for_each_batch(batches, [&](Framed b) {
      auto view = RecordBatchView::parse(ByteView(b.data, b.size));
      if (!view) return view.error_code();
      if (RecordError re = view->validate(); re != RecordError::kNone) return to_error_code(re);
      if (view->base_offset() < expected_min || view->last_offset() < view->base_offset()) {
        // Kafka: UnexpectedAppendOffsetException for the first, OffsetsOutOfOrder after.
        return first ? ErrorCode::kOffsetOutOfRange : ErrorCode::kCorruptMessage;
      }
      first = false;
      expected_min = view->last_offset() + 1;
      return ErrorCode::kNone;
    });
    if (e != ErrorCode::kNone) return e;
    ProducerAppend producer_append;
    (void)for_each_batch(batches, [&](Framed b) {
      producers_.stage_unchecked(ProducerBatch::from_header(b.data), producer_append);
      return ErrorCode::kNone;
    });
    if (auto r = append_locked(batches, info, cfg, clock_->now_ms()); !r) return r.error();
    producers_.commit(producer_append);
    producers_.update_map_end_offset(log_end_offset());
    // Kafka's maybeAssignEpochStartOffset for each batch of a replica append.
    std::optional<int32_t> latest = epochs_->latest_epoch();
    bool assigned = false;
    (void)for_each_batch(batches, [&](Framed b) {
      int32_t epoch = bh::partition_leader_epoch(b.data);
      if (epoch >= 0 && epoch > latest.value_or(-1)) {
        epochs_->assign(epoch, bh::base_offset(b.data));
        latest = epoch;
        assigned = true;
      }
      return ErrorCode::kNone;
    });
    if (assigned) schedule_epoch_flush();
    flush_now = log_end_offset() - recovery_point() >= cfg.flush_messages;
  }
  if (flush_now) {
    if (auto r = flush(); !r) return r.error();
  }
  return info;
}

// Offsets are in place; computes the append's summary, rolls if needed, writes, publishes.
Result<void> PartitionLog::append_locked(std::span<uint8_t> batches, AppendInfo& info,
                                         const LogConfig& cfg, int64_t now_ms) {
  (void)for_each_batch(batches, [&](Framed b) {
    if (info.first_offset < 0) info.first_offset = bh::base_offset(b.data);
    info.last_offset = bh::last_offset(b.data);
    int64_t ts = bh::max_timestamp(b.data);
    if (ts > info.max_timestamp) {
      info.max_timestamp = ts;
      info.offset_of_max_timestamp = info.last_offset;
    }
    ++info.batches;
    info.records += bh::records_count(b.data);
    return ErrorCode::kNone;
  });
  info.bytes = static_cast<int64_t>(batches.size());
  if (auto r = maybe_roll(cfg, now_ms, info.bytes, info.max_timestamp, info.last_offset, true);
      !r) {
    return r.error();
  }
  if (auto r = active_->append(info.last_offset, batches); !r) return r;
  log_end_offset_.store(info.last_offset + 1, std::memory_order_release);
  info.log_start_offset = log_start_offset();
  return {};
}

Result<bool> PartitionLog::maybe_roll(const LogConfig& cfg, int64_t now_ms, int64_t messages_size,
                                      int64_t max_timestamp, int64_t max_offset, bool may_block) {
  Segment* seg = active_.get();
  if (!seg->writable()) {
    if (!may_block) return false;
    if (auto r = seg->ensure_writable(); !r) return r.error();
  }
  RollParams p{cfg.segment_ms,
               cfg.segment_bytes,
               max_timestamp,
               max_offset,
               static_cast<int32_t>(messages_size),
               now_ms};
  if (!seg->should_roll(p)) return true;
  if (!may_block) return false;
  // Kafka rolls at the log end offset; when the relative offset would overflow int32, at
  // the first offset of the append instead (always >= the log end offset).
  int64_t base = log_end_offset();
  if (max_offset - base > INT32_MAX) base = max_offset - INT32_MAX;
  if (auto r = roll_locked(base); !r) return r.error();
  return true;
}

Result<void> PartitionLog::roll_locked(int64_t new_base) {
  // The background flush below moves the recovery point: a new partition's directory first.
  if (auto r = sync_dir(); !r) return r;
  auto list = snapshot();
  SegmentPtr old = list->back();
  if (old->size() == 0 && old->base_offset() == new_base) return {};
  if (old->size() == 0) {
    // An empty active segment is replaced rather than kept (Kafka deletes it).
    schedule_delete({old});
  } else if (auto r = old->on_become_inactive(/*sync=*/false); !r) {
    return r;
  }
  LogConfig cfg = config();
  auto seg = Segment::create(dir_, new_base, cfg, clock_->now_ms(), random_jitter());
  if (!seg) return seg.error();
  auto next = std::make_shared<SegmentList>(*list);
  if (old->size() == 0) next->pop_back();
  next->push_back(*seg);
  publish(std::move(next));
  spdlog::info("Rolled new log segment at offset {} for {}", new_base, dir_.filename().string());
  // Kafka's roll takes a producer snapshot at the log end, synced by the background flush.
  producers_.update_map_end_offset(log_end_offset());
  if (auto r = producers_.take_snapshot(false); !r) return r;
  fs::path snapshot = ProducerStateManager::snapshot_file(dir_, log_end_offset());
  // Kafka flushes the rolled segment in the background, then advances the recovery point.
  scheduler_->schedule(
      0, [rp_ptr = recovery_point_, epochs = epochs_, old, new_base, snapshot, dir = dir_] {
        if (auto f = File::open_read_only(snapshot); f) (void)f->fsync();
        if (old->flush() && epochs->flush() && (!file_exists(dir) || fsync_dir(dir))) {
          int64_t rp = rp_ptr->load();
          while (rp < new_base && !rp_ptr->compare_exchange_weak(rp, new_base)) {
          }
        }
      });
  return {};
}

Result<void> PartitionLog::roll() {
  std::lock_guard lock(writer_mu_);
  if (closed_) return ErrorCode::kKafkaStorageError;
  if (active_->size() == 0) return {};
  return roll_locked(log_end_offset());
}

Result<void> PartitionLog::flush(int64_t up_to) {
  up_to = std::min(up_to, log_end_offset());
  int64_t rp = recovery_point();
  if (up_to <= rp) return {};
  auto list = snapshot();
  bool new_segments = false;
  for (size_t i = 0; i < list->size(); ++i) {
    const SegmentPtr& s = (*list)[i];
    int64_t seg_end = i + 1 < list->size() ? (*list)[i + 1]->base_offset() : INT64_MAX;
    if (seg_end <= rp || s->base_offset() >= up_to) continue;
    if (auto r = s->flush(); !r) return r;
    new_segments = new_segments || s->base_offset() >= rp;
  }
  // Kafka's LocalLog.flush: segments created since the recovery point need their directory
  // entries synced too.
  if (new_segments && !dir_sync_pending()) {
    if (auto r = fsync_dir(dir_); !r) return r;
  }
  // The entries below the new recovery point must be on disk before it moves, and the
  // directory entries of the files that hold them.
  if (auto r = epochs_->flush(); !r) return r;
  if (auto r = sync_dir(); !r) return r;
  while (rp < up_to && !recovery_point_->compare_exchange_weak(rp, up_to)) {
  }
  last_flush_ms_.store(clock_->now_ms());
  return {};
}

Result<void> PartitionLog::maybe_flush_by_time() {
  int64_t flush_ms = config().flush_ms;
  if (flush_ms == LogConfig::kNoLimit) return {};
  if (clock_->now_ms() - last_flush_ms_.load() < flush_ms) return {};
  return flush();
}

Result<void> PartitionLog::truncate_to(int64_t offset) {
  if (offset < 0) return ErrorCode::kOffsetOutOfRange;
  std::unique_lock lock(writer_mu_);
  if (offset >= log_end_offset()) return {};
  auto list = snapshot();
  if (list->front()->base_offset() > offset) {
    lock.unlock();
    return truncate_fully_and_start_at(offset);
  }
  spdlog::info("Truncating {} to offset {}", dir_.filename().string(), offset);
  std::vector<SegmentPtr> doomed;
  auto next = std::make_shared<SegmentList>();
  for (const SegmentPtr& s : *list) {
    (s->base_offset() > offset ? doomed : *next).push_back(s);
  }
  SegmentPtr now_active = next->back();
  if (auto r = now_active->truncate_to(offset); !r) return r.error();
  if (doomed.size() > 0) {
    if (auto r = now_active->make_active(config().segment_index_bytes); !r) return r;
  }
  publish(std::move(next));
  schedule_delete(std::move(doomed));
  // A target inside a batch removes the whole batch: the log then ends at its base offset.
  offset = std::min(offset, now_active->read_next_offset());
  log_end_offset_.store(offset, std::memory_order_release);
  if (high_watermark() > offset) high_watermark_.store(offset);
  if (recovery_point() > offset) recovery_point_->store(offset);
  if (log_start_offset() > offset) log_start_offset_.store(offset);
  // Kafka's truncateAndReload: snapshots past the new end go, the state is rebuilt.
  if (auto r = producers_.delete_snapshots_after(offset); !r) return r;
  if (auto r = rebuild_producer_state(); !r) return r;
  epochs_->truncate_from_end(offset);
  schedule_epoch_flush();
  return {};
}

Result<void> PartitionLog::truncate_fully_and_start_at(int64_t offset) {
  std::lock_guard lock(writer_mu_);
  spdlog::info("Truncating {} fully and restarting at offset {}", dir_.filename().string(), offset);
  auto list = snapshot();
  std::vector<SegmentPtr> doomed(list->begin(), list->end());
  // The new segment may reuse a doomed one's name: move those out of the way first.
  schedule_delete(doomed);
  auto seg = Segment::create(dir_, offset, config(), clock_->now_ms(), random_jitter());
  if (!seg) return seg.error();
  publish(std::make_shared<const SegmentList>(SegmentList{*seg}));
  log_end_offset_.store(offset, std::memory_order_release);
  log_start_offset_.store(offset);
  high_watermark_.store(offset);
  recovery_point_->store(offset);
  if (auto r = producers_.delete_snapshots_after(-1); !r) return r;
  producers_.clear();
  producers_.update_map_end_offset(offset);
  epochs_->clear();
  schedule_epoch_flush();
  return {};
}

Result<void> PartitionLog::write_topic_id(const Uuid& topic_id) {
  dir_sync_pending_.store(true, std::memory_order_release);
  return write_partition_metadata(dir_, topic_id, /*sync=*/false);
}

Result<void> PartitionLog::sync_dir() {
  if (!dir_sync_pending()) return {};
  std::lock_guard lock(dir_sync_mu_);
  if (!dir_sync_pending()) return {};
  if (!file_exists(dir_)) return {};  // deleted: nothing left to make durable
  if (fs::path meta = dir_ / kPartitionMetadataFile; file_exists(meta)) {
    auto f = File::open_read_only(meta);
    if (!f) return f.error();
    if (auto r = f->fsync(); !r) return r;
  }
  if (auto r = fsync_dir(dir_); !r) return r;
  if (auto r = fsync_dir(dir_.parent_path()); !r) return r;
  set_dir_synced();
  return {};
}

void PartitionLog::schedule_epoch_flush() {
  if (!epochs_->dirty()) return;
  scheduler_->schedule(0, [epochs = epochs_, tp = tp_] {
    if (auto r = epochs->flush(); !r) {
      spdlog::warn(
          "Could not write leader-epoch-checkpoint of {}-{}: {}; retried on the next "
          "flush",
          tp.topic, tp.partition, error_name(r.error()));
    }
  });
}

void PartitionLog::schedule_delete(std::vector<SegmentPtr> doomed) {
  if (doomed.empty()) return;
  for (const SegmentPtr& s : doomed) {
    // Kafka renames first so that a crash before the removal is finished at load.
    (void)s->change_extra_suffix(kDeletedSuffix);
  }
  scheduler_->schedule(config().file_delete_delay_ms, [doomed = std::move(doomed)] {
    for (const SegmentPtr& s : doomed) {
      if (!s->delete_files()) {
        spdlog::error("Failed to delete segment {} in {}", s->base_offset(), s->dir().string());
      }
    }
  });
}

Result<void> PartitionLog::close(bool sync) {
  std::lock_guard lock(writer_mu_);
  if (closed_.exchange(true)) return {};
  auto list = snapshot();
  if (auto r = list->back()->close(sync); !r) return r;
  if (sync) {
    if (auto r = flush(); !r) return r;
    // flush() syncs the directory too, but skips everything when nothing is past the recovery
    // point.
    if (auto r = sync_dir(); !r) return r;
  }
  if (auto r = epochs_->flush(); !r) return r;
  // Kafka's close: a producer snapshot at the log end, so the next start replays nothing.
  producers_.update_map_end_offset(log_end_offset());
  return producers_.take_snapshot(sync);
}

void PartitionLog::synced_to_end() {
  const int64_t end = log_end_offset();
  int64_t rp = recovery_point();
  while (rp < end && !recovery_point_->compare_exchange_weak(rp, end)) {
  }
  set_dir_synced();
}

Result<void> PartitionLog::rebuild_producer_state() {
  auto loaded = producers_.load_latest_snapshot(clock_->now_ms());
  if (!loaded) return loaded.error();
  if (!loaded->has_value()) producers_.assume_snapshot_at(log_start_offset());
  auto list = snapshot();
  const int64_t end = log_end_offset();
  int64_t start = std::max(loaded->value_or(0), list->front()->base_offset());
  if (start > end) start = end;
  producers_.update_map_end_offset(start);
  for (size_t i = 0; i < list->size(); ++i) {
    const Segment& seg = *(*list)[i];
    int64_t seg_end = i + 1 < list->size() ? (*list)[i + 1]->base_offset() : INT64_MAX;
    if (seg_end <= start || seg.base_offset() >= end) continue;
    int64_t position = 0;
    if (seg.base_offset() < start) {
      auto pos = seg.translate_offset(start);
      if (!pos) continue;
      position = pos->position;
    }
    BatchScanner scanner(seg.log_file(), position, seg.size());
    BatchHeaderAt b;
    while (scanner.next(b)) {
      // Legacy (magic 0/1) entries have no producer ids.
      if (b.legacy() || b.base_offset() < start || b.base_offset() >= end) continue;
      producers_.replay(ProducerBatch::from_header(b.header));
    }
    if (scanner.io_error()) return ErrorCode::kKafkaStorageError;
  }
  producers_.update_map_end_offset(end);
  if (start < end) {
    spdlog::info("Rebuilt producer state of {} from offset {} to {} ({} producer ids)",
                 dir_.filename().string(), start, end, producers_.num_producers());
  }
  return {};
}

// --- reads ----------------------------------------------------------------------------

Result<LogReadResult> PartitionLog::read(int64_t offset, int32_t max_bytes, int64_t max_offset,
                                         bool min_one_message) const {
  // Order matters: the list is read after the log end offset, so it holds every segment
  // that the log end offset refers to.
  LogReadResult out;
  out.log_end_offset = log_end_offset();
  out.log_start_offset = log_start_offset();
  out.high_watermark = high_watermark();
  auto list = snapshot();
  if (offset < out.log_start_offset || offset > out.log_end_offset) {
    return ErrorCode::kOffsetOutOfRange;
  }
  max_offset = std::min(max_offset, out.log_end_offset);
  if (offset >= max_offset || max_bytes < 0) return out;
  auto floor = [&](int64_t o) {
    auto it = std::upper_bound(list->begin(), list->end(), o,
                               [](int64_t v, const SegmentPtr& s) { return v < s->base_offset(); });
    return it == list->begin() ? it : it - 1;
  };
  auto max_seg = floor(max_offset);
  for (auto it = floor(offset); it != list->end() && it <= max_seg; ++it) {
    const Segment& seg = **it;
    int64_t max_position = seg.size();
    if (it == max_seg) {
      auto pos = seg.translate_offset(max_offset);
      if (pos) max_position = pos->position;
    }
    auto region = seg.read(offset, max_bytes, max_position, min_one_message);
    if (region) {
      out.region = *region;
      out.segment = *it;
      return out;
    }
  }
  return out;
}

}  // namespace fjord::log

namespace fjord::log {

Result<void> PartitionLog::replace_segments(const SegmentPtr& replacement,
                                            const std::vector<SegmentPtr>& old_segments) {
  std::lock_guard lock(writer_mu_);
  auto list = snapshot();
  for (const SegmentPtr& s : old_segments) {
    if (std::find(list->begin(), list->end(), s) == list->end()) {
      return ErrorCode::kUnknownServerError;  // retention or truncation got there first
    }
  }
  // Kafka's swap protocol: .cleaned -> .swap, old -> .deleted, .swap -> plain names. A crash
  // anywhere in between is finished by load_partition_dir.
  if (auto r = replacement->change_extra_suffix(kSwapSuffix); !r) return r;
  schedule_delete(old_segments);
  if (auto r = replacement->change_extra_suffix({}); !r) return r;
  auto next = std::make_shared<SegmentList>();
  for (const SegmentPtr& s : *list) {
    if (s == old_segments.front()) {
      next->push_back(replacement);
    } else if (std::find(old_segments.begin(), old_segments.end(), s) == old_segments.end()) {
      next->push_back(s);
    }
  }
  publish(std::move(next));
  return {};
}

}  // namespace fjord::log
