#include "log/log_cleaner.h"

#include <spdlog/spdlog.h>

#include <string>

#include "log/batch_scanner.h"
#include "log/checkpoint_file.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/record_batch.h"

namespace fjord::log {

namespace bh = batch_header;

LogCleaner::LogCleaner(LogsFn logs, const Clock& clock, const CleanerConfig& config)
    : logs_(std::move(logs)), clock_(clock), config_(config) {}

SkimpyOffsetMap& LogCleaner::offset_map() {
  if (!map_) {
    // Kafka gives each cleaner thread dedupe.buffer.size / threads, at most 2 GiB.
    int64_t memory = config_.dedupe_buffer_size / std::max(1, config_.threads);
    map_ = std::make_unique<SkimpyOffsetMap>(std::min<int64_t>(memory, INT32_MAX));
    int64_t usable = static_cast<int64_t>(map_->slots() * config_.load_factor);
    if (usable < 1) {
      // Kafka refuses to start: "offset map is too small to fit in even a single message".
      spdlog::error(
          "log.cleaner.dedupe.buffer.size {} / log.cleaner.threads {} holds {} keys at "
          "load factor {}: too small to make progress; using one key per cleaning",
          config_.dedupe_buffer_size, config_.threads, map_->slots(), config_.load_factor);
    }
    max_map_entries_ = static_cast<int32_t>(std::clamp<int64_t>(usable, 1, map_->slots()));
  }
  return *map_;
}

LogCleaner::~LogCleaner() { stop(); }

void LogCleaner::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      clean_once();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(config_.backoff_ms),
                   [this] { return stopping_; });
    }
  });
}

void LogCleaner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t LogCleaner::first_dirty_offset(const PartitionLog& log) const {
  int64_t offset = -1;
  {
    std::lock_guard lock(mu_);
    if (auto it = first_dirty_.find(log.dir()); it != first_dirty_.end()) offset = it->second;
  }
  if (offset < 0) {
    auto cp = read_offset_checkpoint(log.dir().parent_path() / kCleanerOffsetCheckpoint);
    if (cp) {
      if (auto it = cp->find(log.topic_partition()); it != cp->end()) offset = it->second;
    }
  }
  return std::max(offset, log.log_start_offset());
}

int64_t LogCleaner::first_uncleanable_offset(const PartitionLog& log) const {
  auto segs = log.segments();
  int64_t limit = std::min(segs.back()->base_offset(), log.high_watermark());
  int64_t lag = log.config().min_compaction_lag_ms;
  if (lag > 0) {
    int64_t now = clock_.now_ms();
    for (const auto& s : segs) {
      if (now - s->largest_timestamp() < lag) {
        limit = std::min(limit, s->base_offset());
        break;
      }
    }
  }
  return limit;
}

double LogCleaner::dirty_ratio(const PartitionLog& log) const {
  int64_t first_dirty = first_dirty_offset(log);
  int64_t uncleanable = first_uncleanable_offset(log);
  auto segs = log.segments();
  int64_t clean = 0, dirty = 0;
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    int64_t end = segs[i + 1]->base_offset();
    if (end > uncleanable) break;
    (end <= first_dirty ? clean : dirty) += segs[i]->size();
  }
  return clean + dirty == 0 ? 0.0 : static_cast<double>(dirty) / static_cast<double>(clean + dirty);
}

CleanerStats LogCleaner::clean_once() {
  CleanerStats total;
  for (const auto& log : logs_()) {
    if (log->closed()) continue;
    LogConfig cfg = log->config();
    if (!cfg.cleanup_compact || dirty_ratio(*log) < cfg.min_cleanable_dirty_ratio) continue;
    if (dirty_ratio(*log) == 0.0) continue;
    auto s = clean(*log);
    if (!s) continue;
    total.logs_cleaned += s->logs_cleaned;
    total.records_read += s->records_read;
    total.records_retained += s->records_retained;
    total.bytes_read += s->bytes_read;
    total.bytes_written += s->bytes_written;
  }
  return total;
}

namespace {

// Calls f(view) for every batch of a segment from `position`; f returns false to stop. One
// buffer per segment pass.
template <typename F>
Result<void> for_each_batch(const Segment& seg, int64_t position, Bytes& buf, F&& f) {
  BatchScanner scan(seg.log_file(), position, seg.size());
  for (BatchHeaderAt b; scan.next(b);) {
    buf.resize(static_cast<size_t>(b.size));
    auto n = seg.read_bytes(b.position, buf);
    if (!n) return n.error();
    auto view = RecordBatchView::parse(buf);
    if (!view) return view.error_code();
    auto more = f(*view);
    if (!more) return more.error();
    if (!*more) break;
  }
  return {};
}

}  // namespace

Result<CleanerStats> LogCleaner::clean(PartitionLog& log) {
  CleanerStats stats;
  const LogConfig cfg = log.config();
  const int64_t now = clock_.now_ms();
  const int64_t first_dirty = first_dirty_offset(log);
  const int64_t uncleanable = first_uncleanable_offset(log);
  auto segs = log.segments();
  std::vector<SegmentPtr> cleanable;
  for (size_t i = 0; i + 1 < segs.size() && segs[i + 1]->base_offset() <= uncleanable; ++i) {
    cleanable.push_back(segs[i]);
  }
  if (cleanable.empty()) return stats;

  // 1. Kafka's buildOffsetMap: the latest offset of every key in the dirty section, until the
  //    map holds load_factor of its slots. It then ends at the last record put, and this
  //    cleaning covers offsets up to there only; the next one starts after it.
  SkimpyOffsetMap& map = offset_map();
  map.clear();
  DecompressionBuffer scratch;
  Bytes buf;
  bool full = false;
  for (size_t i = 0; i < cleanable.size() && !full; ++i) {
    if (segs[i + 1]->base_offset() <= first_dirty) continue;
    int64_t start = cleanable[i]->offset_index().lookup(first_dirty).position;
    auto r = for_each_batch(
        *cleanable[i], start, buf, [&](const RecordBatchView& v) -> Result<bool> {
          if (!v.is_control()) {
            auto reader = v.records(scratch);
            if (!reader) return reader.error_code();
            for (Record rec; reader->next(rec);) {
              if (!rec.key || rec.offset < first_dirty) continue;
              if (map.size() >= max_map_entries_) {
                full = true;
                return false;
              }
              map.put(*rec.key, rec.offset);
            }
          }
          if (v.last_offset() >= first_dirty) map.update_latest_offset(v.last_offset());
          return true;
        });
    if (!r) return r.error();
  }
  stats.map_utilization = map.utilization();
  if (map.latest_offset() < first_dirty) {
    // Nothing dirty (a cleaning asked for regardless of the dirty ratio): the clean section is
    // rewritten with an empty map, which only drops tombstones past their delete horizon.
    map.update_latest_offset(std::max(first_dirty, uncleanable) - 1);
  }
  const int64_t end_offset = map.latest_offset() + 1;
  if (full) {
    spdlog::info("Offset map for log {} is full ({} keys): cleaning offsets below {} of {}",
                 log.dir().filename().string(), map.size(), end_offset, uncleanable);
  }
  while (!cleanable.empty() && cleanable.back()->base_offset() >= end_offset) {
    cleanable.pop_back();
  }

  // 2. Rewrite each segment holding offsets below end_offset, then swap it in. Records past
  //    the map's last offset are kept as they are (Kafka's shouldRetainRecord).
  std::vector<RecordHeader> headers;
  std::vector<Record> retained;  // one batch's survivors; views into buf or scratch
  Bytes out;
  for (const SegmentPtr& seg : cleanable) {
    auto cleaned = Segment::create(seg->dir(), seg->base_offset(), cfg, now, 0, kCleanedSuffix);
    if (!cleaned) return cleaned.error();
    auto r = for_each_batch(*seg, 0, buf, [&](const RecordBatchView& v) -> Result<bool> {
      stats.bytes_read += static_cast<int64_t>(v.size());
      out.clear();
      if (v.is_control()) {
        out.assign(v.bytes().begin(), v.bytes().end());
      } else {
        BatchOptions opt;
        opt.compression = v.compression();
        opt.timestamp_type = v.timestamp_type();
        opt.base_offset = v.base_offset();
        opt.partition_leader_epoch = v.partition_leader_epoch();
        opt.producer_id = v.producer_id();
        opt.producer_epoch = v.producer_epoch();
        opt.base_sequence = v.base_sequence();
        opt.transactional = v.is_transactional();
        bool horizon_passed = v.has_delete_horizon() && now >= v.base_timestamp();
        bool has_tombstone = false;
        RecordBatchBuilder builder;
        auto reader = v.records(scratch);
        if (!reader) return reader.error_code();
        int32_t kept = 0;
        retained.clear();
        for (Record rec; reader->next(rec);) {
          ++stats.records_read;
          if (rec.offset <= map.latest_offset()) {
            if (!rec.key) continue;  // Kafka drops keyless records from compacted logs
            if (map.get(*rec.key) > rec.offset) continue;
            if (!rec.value && horizon_passed) continue;
          }
          if (!rec.value) has_tombstone = true;
          retained.push_back(rec);
        }
        if (has_tombstone) {
          // KIP-534: the first cleaning that sees a tombstone sets its deletion time.
          opt.delete_horizon_ms =
              v.has_delete_horizon() ? v.base_timestamp() : now + cfg.delete_retention_ms;
        }
        if (retained.empty()) return true;
        builder.reset(opt);
        for (const Record& rec : retained) {
          headers.clear();
          auto hi = rec.headers();
          for (RecordHeader h; hi.next(h);) headers.push_back(h);
          builder.append_with_offset(rec.offset, rec.timestamp, rec.key, rec.value, headers);
          ++kept;
        }
        stats.records_retained += kept;
        if (RecordError e = builder.build(out); e != RecordError::kNone) return to_error_code(e);
        if (opt.timestamp_type == TimestampType::kLogAppendTime) {
          set_log_append_time(out, v.max_timestamp());
        }
        bh::set_partition_leader_epoch(out.data(), v.partition_leader_epoch());
      }
      stats.bytes_written += static_cast<int64_t>(out.size());
      if (auto a = (*cleaned)->append(bh::last_offset(out.data()), out); !a) return a.error();
      return true;
    });
    if (r) r = (*cleaned)->on_become_inactive();
    if (r) r = (*cleaned)->flush();
    if (r) r = log.replace_segments(*cleaned, {seg});
    if (!r) {
      (void)(*cleaned)->delete_files();
      return r.error();
    }
  }
  stats.logs_cleaned = 1;
  {
    std::lock_guard lock(mu_);
    first_dirty_[log.dir()] = end_offset;
  }
  if (auto r = write_checkpoint(log); !r) return r.error();
  spdlog::info("Cleaned log {}: {} of {} records retained, {} bytes -> {} bytes",
               log.dir().filename().string(), stats.records_retained, stats.records_read,
               stats.bytes_read, stats.bytes_written);
  return stats;
}

Result<void> LogCleaner::write_checkpoint(const PartitionLog& log) {
  fs::path file = log.dir().parent_path() / kCleanerOffsetCheckpoint;
  auto existing = read_offset_checkpoint(file);
  OffsetMap m = existing ? *existing : OffsetMap{};
  {
    std::lock_guard lock(mu_);
    m[log.topic_partition()] = first_dirty_[log.dir()];
  }
  return write_offset_checkpoint(file, m);
}

}  // namespace fjord::log
