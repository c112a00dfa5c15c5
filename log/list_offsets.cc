// PartitionLog's ListOffsets lookups (Kafka's UnifiedLog.fetchOffsetByTimestamp and
// LogSegment.findOffsetByTimestamp): the time index narrows the scan, then the records of
// the first batch whose max timestamp reaches the target give the exact offset.
#include "log/batch_scanner.h"
#include "log/partition_log.h"
#include "protocol/records/legacy_reader.h"
#include "protocol/records/record_batch.h"

namespace fjord::log {

namespace {

// Reads the whole entry at `at` (a batch or a legacy message) and returns the first record
// matching pred, if any.
template <typename Pred>
Result<std::optional<OffsetAndEpoch>> first_record(const Segment& seg, const BatchHeaderAt& at,
                                                   Pred&& pred) {
  Bytes bytes(static_cast<size_t>(at.size));
  auto n = seg.read_bytes(at.position, bytes);
  if (!n) return n.error();
  if (*n != bytes.size()) return std::optional<OffsetAndEpoch>{};
  DecompressionBuffer scratch;
  if (at.legacy()) {
    // A message of a log dir written before Kafka 0.11 (no leader epoch).
    legacy::LegacyRecordReader reader(bytes, scratch);
    for (legacy::LegacyRecord r; reader.next(r);) {
      if (pred(r)) return std::optional<OffsetAndEpoch>{OffsetAndEpoch{r.offset, r.timestamp, {}}};
    }
    if (reader.error() != RecordError::kNone) return to_error_code(reader.error());
    return std::optional<OffsetAndEpoch>{};
  }
  auto view = RecordBatchView::parse(bytes);
  if (!view) return view.error_code();
  auto reader = view->records(scratch);
  if (!reader) return reader.error_code();
  std::optional<int32_t> epoch;
  if (view->partition_leader_epoch() >= 0) epoch = view->partition_leader_epoch();
  for (Record r; reader->next(r);) {
    if (pred(r)) return std::optional<OffsetAndEpoch>{OffsetAndEpoch{r.offset, r.timestamp, epoch}};
  }
  return std::optional<OffsetAndEpoch>{};
}

}  // namespace

Result<OffsetAndEpoch> PartitionLog::find_by_timestamp(const Segment& seg, int64_t ts,
                                                       int64_t start) const {
  TimestampOffset floor = seg.time_index().lookup(ts);
  int32_t position = seg.offset_index().lookup(std::max(floor.offset, start)).position;
  BatchScanner scan(seg.log_file(), position, seg.size());
  for (BatchHeaderAt b; scan.next(b);) {
    if (b.max_timestamp() < ts || b.last_offset() < start) continue;
    auto found = first_record(
        seg, b, [&](const auto& r) { return r.timestamp >= ts && r.offset >= start; });
    if (!found) return found.error();
    if (*found) return **found;
  }
  return OffsetAndEpoch{};
}

Result<OffsetAndEpoch> PartitionLog::find_max_timestamp(const Segment& seg) const {
  TimestampOffset max = seg.max_timestamp_so_far();
  if (max.timestamp == kNoTimestamp) return OffsetAndEpoch{};
  BatchScanner scan(seg.log_file(), seg.offset_index().lookup(max.offset).position, seg.size());
  for (BatchHeaderAt b; scan.next(b);) {
    if (b.max_timestamp() != max.timestamp) continue;
    auto found =
        first_record(seg, b, [&](const auto& r) { return r.timestamp == max.timestamp; });
    if (!found) return found.error();
    if (*found) return **found;
    break;
  }
  return OffsetAndEpoch{};
}

Result<OffsetAndEpoch> PartitionLog::fetch_offset_by_timestamp(int64_t timestamp) const {
  if (timestamp == kEarliestTimestamp || timestamp == kEarliestLocalTimestamp) {
    int64_t lso = log_start_offset();
    return OffsetAndEpoch{lso, kNoTimestamp, epochs_->epoch_for_offset(lso)};
  }
  if (timestamp == kLatestTimestamp) {
    return OffsetAndEpoch{log_end_offset(), kNoTimestamp, epochs_->latest_epoch()};
  }
  auto list = snapshot();
  if (timestamp == kMaxTimestamp) {
    const Segment* best = nullptr;
    for (const SegmentPtr& s : *list) {
      if (best == nullptr ||
          s->max_timestamp_so_far().timestamp > best->max_timestamp_so_far().timestamp) {
        best = s.get();
      }
    }
    return find_max_timestamp(*best);
  }
  if (timestamp < 0) return ErrorCode::kInvalidRequest;
  int64_t start = log_start_offset();
  for (const SegmentPtr& s : *list) {
    if (s->largest_timestamp() >= timestamp) return find_by_timestamp(*s, timestamp, start);
  }
  return OffsetAndEpoch{};
}

}  // namespace fjord::log
