#include "log/segment.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "log/batch_scanner.h"
#include "log/segment_name.h"
#include "protocol/records/batch_header.h"

namespace fjord::log {

namespace bh = batch_header;

Segment::Segment(const fs::path& dir, int64_t base_offset, int64_t now_ms, std::string_view extra)
    : dir_(dir),
      base_offset_(base_offset),
      extra_suffix_(extra),
      offset_index_(base_offset),
      time_index_(base_offset),
      txn_index_(segment_file(dir, base_offset, kTxnIndexSuffix, extra)),
      created_ms_(now_ms),
      offset_of_max_timestamp_(base_offset) {}

Segment::~Segment() = default;

Result<SegmentPtr> Segment::create(const fs::path& dir, int64_t base_offset,
                                   const LogConfig& config, int64_t now_ms, int64_t roll_jitter_ms,
                                   std::string_view extra_suffix) {
  SegmentPtr s(new Segment(dir, base_offset, now_ms, extra_suffix));
  s->roll_jitter_ms_ = roll_jitter_ms;
  // A leftover file with this name (from a truncation or a crash) is stale: start empty.
  for (auto suffix : {kIndexSuffix, kTimeIndexSuffix, kTxnIndexSuffix}) {
    if (auto r = remove_file(segment_file(dir, base_offset, suffix, extra_suffix)); !r) {
      return r.error();
    }
  }
  if (auto r = s->open_files(config, /*create=*/true, /*active=*/true); !r) return r.error();
  if (s->size() != 0) {
    if (auto r = s->log_.truncate(0); !r) return r.error();
    s->size_.store(0);
  }
  return s;
}

Result<SegmentPtr> Segment::open(const fs::path& dir, int64_t base_offset, const LogConfig& config,
                                 int64_t now_ms, bool active, std::string_view extra_suffix) {
  SegmentPtr s(new Segment(dir, base_offset, now_ms, extra_suffix));
  if (auto r = s->open_files(config, /*create=*/false, active); !r) return r.error();
  return s;
}

Result<void> Segment::open_files(const LogConfig& config, bool create, bool active) {
  index_interval_bytes_ = config.index_interval_bytes;
  if (active && !create) {
    pending_index_bytes_ = config.segment_index_bytes;
    active = false;
  }
  auto log =
      File::open_read_write(segment_file(dir_, base_offset_, kLogSuffix, extra_suffix_), create);
  if (!log) return log.error();
  log_ = std::move(*log);
  auto size = log_.size();
  if (!size) return size.error();
  size_.store(*size, std::memory_order_release);
  if (auto r = offset_index_.open(segment_file(dir_, base_offset_, kIndexSuffix, extra_suffix_),
                                  config.segment_index_bytes, active);
      !r) {
    return r;
  }
  if (auto r = time_index_.open(segment_file(dir_, base_offset_, kTimeIndexSuffix, extra_suffix_),
                                config.segment_index_bytes, active);
      !r) {
    return r;
  }
  load_largest_timestamp();
  return {};
}

// Kafka's loadLargestTimestamp: the last time-index entry, then whatever follows it.
void Segment::load_largest_timestamp() {
  TimestampOffset last = time_index_.last_entry();
  max_timestamp_.store(last.timestamp);
  offset_of_max_timestamp_.store(last.offset);
  BatchScanner scan(log_, offset_index_.lookup(last.offset).position, size());
  for (BatchHeaderAt b; scan.next(b);) {
    if (b.max_timestamp() > max_timestamp_.load()) {
      max_timestamp_.store(b.max_timestamp());
      offset_of_max_timestamp_.store(b.last_offset());
    }
  }
}

void Segment::index_batch(const uint8_t* header, int32_t position, int32_t size) {
  int64_t last_offset = entry::last_offset(header);
  int64_t max_ts = entry::max_timestamp(header);
  if (max_ts > max_timestamp_.load(std::memory_order_relaxed)) {
    offset_of_max_timestamp_.store(last_offset, std::memory_order_release);
    max_timestamp_.store(max_ts, std::memory_order_release);
  }
  if (bytes_since_last_index_entry_ > index_interval_bytes_) {
    offset_index_.append(last_offset, position);
    time_index_.maybe_append(max_timestamp_.load(std::memory_order_relaxed),
                             offset_of_max_timestamp_.load(std::memory_order_relaxed));
    bytes_since_last_index_entry_ = 0;
  }
  bytes_since_last_index_entry_ += size;
}

Result<void> Segment::append(int64_t largest_offset, std::span<const uint8_t> batches) {
  (void)largest_offset;
  if (batches.empty()) return {};
  if (auto r = ensure_writable(); !r) return r;
  int64_t position = size_.load(std::memory_order_relaxed);
  if (auto r = log_.pwrite_all(batches.data(), batches.size(), position); !r) {
    // A short write may have left part of the batches behind: cut back to the last batch.
    (void)log_.truncate(position);
    return r;
  }
  if (rolling_based_timestamp_.load() == INT64_MIN && position == 0) {
    rolling_based_timestamp_.store(bh::max_timestamp(batches.data()));
  }
  size_.store(position + static_cast<int64_t>(batches.size()), std::memory_order_release);
  for (size_t off = 0; off < batches.size();) {
    const uint8_t* h = batches.data() + off;
    auto size = static_cast<int32_t>(bh::total_size(h));
    index_batch(h, static_cast<int32_t>(position + static_cast<int64_t>(off)), size);
    off += static_cast<size_t>(size);
  }
  return {};
}

std::optional<int64_t> Segment::first_batch_timestamp() const {
  int64_t t = rolling_based_timestamp_.load();
  if (t != INT64_MIN) return t;
  if (size() == 0) return std::nullopt;
  BatchScanner scan(log_, 0, size());
  BatchHeaderAt b;
  if (!scan.next(b)) return std::nullopt;
  rolling_based_timestamp_.store(b.max_timestamp());
  return b.max_timestamp();
}

bool Segment::should_roll(const RollParams& p) const {
  int64_t waited;
  std::optional<int64_t> first = first_batch_timestamp();
  if (first && *first >= 0) {
    waited = p.max_timestamp_in_messages - *first;
  } else {
    waited = p.now_ms - created_ms_;
  }
  bool reached_roll_ms = waited > p.max_segment_ms - roll_jitter_ms_;
  int64_t sz = size();
  int64_t rel = p.max_offset_in_messages - base_offset_;
  return sz > int64_t{p.max_segment_bytes} - p.messages_size || (sz > 0 && reached_roll_ms) ||
         offset_index_.is_full() || time_index_.is_full() || rel > INT32_MAX || rel < 0;
}

Result<void> Segment::on_become_inactive(bool sync) {
  TimestampOffset m = max_timestamp_so_far();
  time_index_.maybe_append(m.timestamp, m.offset, /*skip_full_check=*/true);
  if (auto r = offset_index_.file().trim(sync); !r) return r;
  return time_index_.file().trim(sync);
}

Result<void> Segment::ensure_writable() {
  if (pending_index_bytes_ == 0) return {};
  return make_active(pending_index_bytes_);
}

Result<void> Segment::make_active(int32_t max_index_bytes) {
  pending_index_bytes_ = 0;
  if (auto r = offset_index_.file().resize(max_index_bytes); !r) return r;
  return time_index_.file().resize(max_index_bytes);
}

Result<void> Segment::flush() {
  if (auto r = log_.fsync(); !r) return r;
  if (auto r = offset_index_.file().flush(); !r) return r;
  if (auto r = time_index_.file().flush(); !r) return r;
  return txn_index_.flush();
}

Result<int64_t> Segment::truncate_to(int64_t offset) {
  if (auto r = ensure_writable(); !r) return r.error();
  std::optional<LogOffsetPosition> mapping = translate_offset(offset);
  offset_index_.truncate_to(offset);
  time_index_.truncate_to(offset);
  if (auto r = txn_index_.truncate_to(offset); !r) return r.error();
  int64_t before = size();
  int64_t cut = 0;
  if (mapping && mapping->position < before) {
    if (auto r = log_.truncate(mapping->position); !r) return r.error();
    size_.store(mapping->position, std::memory_order_release);
    cut = before - mapping->position;
  }
  if (size() == 0) rolling_based_timestamp_.store(INT64_MIN);
  bytes_since_last_index_entry_ = 0;
  load_largest_timestamp();
  return cut;
}

void Segment::reset_indexes() {
  offset_index_.reset();
  time_index_.reset();
  bytes_since_last_index_entry_ = 0;
  max_timestamp_.store(kNoTimestamp);
  offset_of_max_timestamp_.store(base_offset_);
  rolling_based_timestamp_.store(INT64_MIN);
}

Result<void> Segment::truncate_log_bytes(int64_t valid_bytes) {
  if (valid_bytes < size()) {
    if (auto r = log_.truncate(valid_bytes); !r) return r;
    size_.store(valid_bytes, std::memory_order_release);
  }
  return {};
}

Result<void> Segment::change_extra_suffix(std::string_view extra) {
  fs::path log_to = segment_file(dir_, base_offset_, kLogSuffix, extra);
  if (auto r = rename_file(log_.path(), log_to); !r) return r;
  log_.set_path(log_to);
  if (auto r = offset_index_.file().rename(segment_file(dir_, base_offset_, kIndexSuffix, extra));
      !r) {
    return r;
  }
  if (auto r = time_index_.file().rename(segment_file(dir_, base_offset_, kTimeIndexSuffix, extra));
      !r) {
    return r;
  }
  if (auto r = txn_index_.rename(segment_file(dir_, base_offset_, kTxnIndexSuffix, extra)); !r) {
    return r;
  }
  extra_suffix_ = std::string(extra);
  return {};
}

Result<void> Segment::delete_files() {
  for (const fs::path& p : {log_.path(), offset_index_.file().path(), time_index_.file().path()}) {
    if (auto r = remove_file(p); !r) return r;
  }
  return txn_index_.remove();
}

Result<void> Segment::close(bool sync) {
  if (offset_index_.file().writable()) {
    if (auto r = on_become_inactive(sync); !r) return r;
  }
  return {};
}

std::optional<LogOffsetPosition> Segment::translate_offset(int64_t offset,
                                                           int32_t starting_position) const {
  OffsetPosition floor = offset_index_.lookup(offset);
  BatchScanner scan(log_, std::max(floor.position, starting_position), size());
  for (BatchHeaderAt b; scan.next(b);) {
    if (b.last_offset() >= offset) {
      return LogOffsetPosition{b.last_offset(), static_cast<int32_t>(b.position),
                               static_cast<int32_t>(b.size)};
    }
  }
  return std::nullopt;
}

std::optional<FileRegion> Segment::read(int64_t start_offset, int32_t max_size,
                                        int64_t max_position, bool min_one_message) const {
  std::optional<LogOffsetPosition> start = translate_offset(start_offset);
  if (!start) return std::nullopt;
  int64_t adjusted = min_one_message ? std::max(max_size, start->size) : max_size;
  int64_t end = std::min({max_position, size(), start->position + adjusted});
  int64_t length = std::max<int64_t>(0, end - start->position);
  return FileRegion{log_.fd(), start->position, static_cast<int32_t>(length)};
}

int64_t Segment::read_next_offset() const {
  int64_t next = base_offset_;
  BatchScanner scan(log_, offset_index_.lookup(offset_index_.last_offset()).position, size());
  for (BatchHeaderAt b; scan.next(b);) next = b.last_offset() + 1;
  return next;
}

int64_t Segment::last_modified_ms() const {
  struct stat st;
  if (::fstat(log_.fd(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

int64_t Segment::largest_timestamp() const {
  int64_t ts = max_timestamp_.load(std::memory_order_acquire);
  return ts >= 0 ? ts : last_modified_ms();
}

bool Segment::indexes_sane() const {
  return offset_index_.sane(size()) && time_index_.sane(INT64_MAX);
}

}  // namespace fjord::log
