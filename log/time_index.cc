#include "log/time_index.h"

#include "protocol/records/batch_header.h"

namespace fjord::log {

using batch_header::load_be;
using batch_header::store_be;

TimestampOffset TimeIndex::entry(int32_t n) const {
  const uint8_t* p = file_.entry(n);
  return {load_be<int64_t>(p), base_offset_ + load_be<int32_t>(p + 8)};
}

TimestampOffset TimeIndex::last_entry() const {
  int32_t n = entries();
  return n == 0 ? TimestampOffset{kNoTimestamp, base_offset_} : entry(n - 1);
}

TimestampOffset TimeIndex::lookup(int64_t target) const {
  int32_t n = entries();
  int32_t lo = 0, hi = n;  // first entry with timestamp > target
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (entry(mid).timestamp <= target)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) return {kNoTimestamp, base_offset_};
  return entry(lo - 1);
}

bool TimeIndex::maybe_append(int64_t timestamp, int64_t offset, bool skip_full_check) {
  int32_t n = entries();
  if (n >= file_.max_entries() || (!skip_full_check && is_full())) return false;
  if (offset - base_offset_ > INT32_MAX || offset < base_offset_) return false;
  // Kafka compares against {NO_TIMESTAMP, base offset} when empty.
  TimestampOffset last = last_entry();
  if (offset < last.offset || timestamp <= last.timestamp) return false;
  uint8_t buf[kEntrySize];
  store_be<int64_t>(buf, timestamp);
  store_be<int32_t>(buf + 8, static_cast<int32_t>(offset - base_offset_));
  file_.append(buf);
  return true;
}

void TimeIndex::truncate_to(int64_t offset) {
  file_.truncate_to_entries(
      first_entry_at_or_after(entries(), offset, [this](int32_t i) { return entry(i).offset; }));
}

bool TimeIndex::sane(int64_t last_offset) const {
  int32_t n = entries();
  TimestampOffset prev{INT64_MIN, base_offset_};
  for (int32_t i = 0; i < n; ++i) {
    TimestampOffset e = entry(i);
    if (e.timestamp <= prev.timestamp || e.offset < prev.offset || e.offset > last_offset) {
      return false;
    }
    prev = e;
  }
  return true;
}

}  // namespace fjord::log
