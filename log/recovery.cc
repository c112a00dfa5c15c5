#include "log/recovery.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "log/batch_scanner.h"
#include "log/segment_name.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/legacy_message.h"
#include "protocol/records/record_batch.h"

namespace fjord::log {

namespace bh = batch_header;

std::string_view segment_outcome_name(SegmentOutcome o) {
  switch (o) {
    case SegmentOutcome::kGood:
      return "good";
    case SegmentOutcome::kTruncated:
      return "truncated";
    case SegmentOutcome::kDeleted:
      return "deleted";
  }
  return "?";
}

int64_t LoadedLog::bytes_cut() const {
  int64_t n = 0;
  for (const auto& r : recovered) n += r.bytes_cut;
  return n;
}

Result<SegmentRecovery> recover_segment(Segment& seg, int64_t expected_min_offset,
                                        LeaderEpochCache* epochs) {
  seg.reset_indexes();
  const int64_t size = seg.size();
  SegmentRecovery out{seg.base_offset(), SegmentOutcome::kGood, 0, 0, {}};
  Bytes buf(std::min<int64_t>(size, 1 << 20));
  int64_t buf_start = 0;
  size_t buf_len = 0;
  int64_t pos = 0;
  int64_t next_min = std::max(expected_min_offset, seg.base_offset());
  // Makes [pos, pos + n) readable in buf; false at end of file.
  auto ensure = [&](int64_t n) -> Result<bool> {
    if (pos + n > size) return false;
    if (pos >= buf_start && pos + n <= buf_start + static_cast<int64_t>(buf_len)) return true;
    if (buf.size() < static_cast<size_t>(n)) buf.resize(static_cast<size_t>(n));
    size_t want =
        static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(buf.size()), size - pos));
    auto r = seg.read_bytes(pos, std::span(buf.data(), want));
    if (!r) return r.error();
    buf_start = pos;
    buf_len = *r;
    return static_cast<int64_t>(buf_len) >= n;
  };
  while (pos < size) {
    auto have = ensure(static_cast<int64_t>(entry::kMagicEnd));
    if (!have) return have.error();
    if (!*have) {
      out.reason = "partial batch header";
      break;
    }
    const uint8_t* h = buf.data() + (pos - buf_start);
    int64_t total = bh::total_size(h);
    const int8_t magic = entry::magic(h);
    if (!entry::supported_magic(magic)) {
      out.reason = "unsupported magic " + std::to_string(magic);
      break;
    }
    if (total < entry::min_size(magic) || pos + total > size) {
      out.reason = "batch size " + std::to_string(total) + " past the end of the file";
      break;
    }
    have = ensure(total);
    if (!have) return have.error();
    h = buf.data() + (pos - buf_start);
    const ByteView bytes(h, static_cast<size_t>(total));
    // The offsets the entry covers: a legacy entry's offset is its last (a compressed
    // wrapper's first offset is known only inside it; Kafka's recover does not look).
    int64_t first, last;
    int32_t epoch = -1;
    if (magic < 2) {
      // Kafka's LogSegment.recover: ensureValid of the (outer) message, CRC-32 over it; the
      // CRC covers a wrapper's compressed payload.
      auto m = legacy::LegacyMessageView::parse(bytes);
      if (!m) {
        out.reason = std::string(record_error_name(m.error()));
        break;
      }
      if (RecordError e = m->validate(); e != RecordError::kNone) {
        out.reason = std::string(record_error_name(e));
        break;
      }
      first = last = m->offset();
    } else {
      auto view = RecordBatchView::parse(bytes);
      if (!view) {
        out.reason = std::string(record_error_name(view.error()));
        break;
      }
      if (RecordError e = view->validate(); e != RecordError::kNone) {
        out.reason = std::string(record_error_name(e));
        break;
      }
      first = view->base_offset();
      last = view->last_offset();
      epoch = view->partition_leader_epoch();
    }
    if (first < next_min || last < first || last - seg.base_offset() > INT32_MAX) {
      out.reason = "offset " + std::to_string(first) + " out of order";
      break;
    }
    seg.index_batch(h, static_cast<int32_t>(pos), static_cast<int32_t>(total));
    // Legacy entries carry no leader epoch.
    if (epochs != nullptr && epoch >= 0 && epoch > epochs->latest_epoch().value_or(-1)) {
      epochs->assign(epoch, first);
    }
    next_min = last + 1;
    pos += total;
  }
  out.valid_bytes = pos;
  out.bytes_cut = size - pos;
  if (out.bytes_cut > 0) {
    out.outcome = SegmentOutcome::kTruncated;
    out.reason += " at position " + std::to_string(pos);
    if (auto r = seg.truncate_log_bytes(pos); !r) return r.error();
  }
  return out;
}

namespace {

// Step 1: *.deleted, *.cleaned and *.tmp are leftovers; *.swap completes its swap.
Result<void> finish_interrupted_renames(const fs::path& dir) {
  auto files = list_dir(dir);
  if (!files) return files.error();
  for (const fs::path& p : *files) {
    std::string name = p.filename().string();
    if (name.ends_with(kDeletedSuffix) || name.ends_with(kCleanedSuffix) ||
        name.ends_with(".tmp")) {
      if (auto r = remove_file(p); !r) return r;
    }
  }
  for (const fs::path& p : *files) {
    std::string name = p.filename().string();
    if (!name.ends_with(kSwapSuffix)) continue;
    // A .swap segment holds the cleaned copy of the segments it overlaps; those were
    // renamed to .deleted (removed above) before the swap completed, or still exist: Kafka
    // removes every segment whose base offset falls in the swap's range. The log file's
    // range is [base, next offset).
    std::string plain = name.substr(0, name.size() - kSwapSuffix.size());
    if (auto r = rename_file(p, dir / plain); !r) return r;
    spdlog::info("Completing interrupted swap of {}", (dir / plain).string());
  }
  return {};
}

}  // namespace

Result<LoadedLog> load_partition_dir(const LoadParams& params, LeaderEpochCache& epochs) {
  const fs::path& dir = params.dir;
  if (auto r = finish_interrupted_renames(dir); !r) return r.error();
  auto files = list_dir(dir);
  if (!files) return files.error();
  std::vector<int64_t> bases;
  for (const fs::path& p : *files) {
    std::string name = p.filename().string();
    auto base = parse_base_offset(name);
    if (!base) continue;
    if (name.ends_with(kLogSuffix)) {
      bases.push_back(*base);
    } else if ((name.ends_with(kIndexSuffix) || name.ends_with(kTimeIndexSuffix) ||
                name.ends_with(kTxnIndexSuffix)) &&
               !file_exists(segment_file(dir, *base, kLogSuffix))) {
      // Kafka: an index without its log is an orphan.
      if (auto r = remove_file(p); !r) return r.error();
    }
  }
  std::sort(bases.begin(), bases.end());

  LoadedLog out;
  out.recovery_point = params.recovery_point;
  for (size_t i = 0; i < bases.size(); ++i) {
    bool active = i + 1 == bases.size();
    bool index_missing = !file_exists(segment_file(dir, bases[i], kIndexSuffix)) ||
                         !file_exists(segment_file(dir, bases[i], kTimeIndexSuffix));
    auto seg = Segment::open(dir, bases[i], params.config, params.now_ms, active);
    if (!seg) return seg.error();
    if (params.clean_shutdown && (index_missing || !(*seg)->indexes_sane())) {
      spdlog::warn("Rebuilding index files of segment {} in {}", bases[i], dir.string());
      if (auto m = (*seg)->make_active(params.config.segment_index_bytes); !m) return m.error();
      auto r = recover_segment(**seg, 0, nullptr);
      if (!r) return r.error();
      if (!active) (void)(*seg)->on_become_inactive();
    }
    out.segments.push_back(std::move(*seg));
  }

  if (!params.clean_shutdown && !out.segments.empty()) {
    // The segment holding the recovery point and everything after it.
    size_t first = 0;
    while (first + 1 < out.segments.size() &&
           out.segments[first + 1]->base_offset() <= params.recovery_point) {
      ++first;
    }
    int64_t expected = first == 0 ? 0 : out.segments[first - 1]->read_next_offset();
    size_t keep = out.segments.size();
    for (size_t i = first; i < out.segments.size(); ++i) {
      Segment& seg = *out.segments[i];
      if (i >= keep) {
        out.recovered.push_back({seg.base_offset(), SegmentOutcome::kDeleted, 0, seg.size(),
                                 "after a truncated segment"});
        spdlog::warn("Deleting segment {} of {} after a truncated segment ({} bytes)",
                     seg.base_offset(), dir.string(), seg.size());
        if (auto r = seg.delete_files(); !r) return r.error();
        continue;
      }
      if (auto m = seg.make_active(params.config.segment_index_bytes); !m) return m.error();
      auto r = recover_segment(seg, expected, &epochs);
      if (!r) return r.error();
      if (r->outcome == SegmentOutcome::kTruncated) {
        spdlog::warn(
            "Found invalid messages in log segment {} of {}: {}; truncating to {} bytes, "
            "{} bytes cut",
            seg.base_offset(), dir.string(), r->reason, r->valid_bytes, r->bytes_cut);
        keep = i + 1;
      }
      expected = seg.read_next_offset();
      bool active = i + 1 == out.segments.size() || i + 1 == keep;
      if (!active) {
        if (auto t = seg.on_become_inactive(); !t) return t.error();
      }
      out.recovered.push_back(std::move(*r));
    }
    if (keep < out.segments.size()) {
      out.segments.resize(keep);
      if (auto r = out.segments.back()->make_active(params.config.segment_index_bytes); !r) {
        return r.error();
      }
    }
    // A truncated-to-empty last segment after others is kept: it is the active segment.
  }

  if (out.segments.empty()) {
    auto seg = Segment::create(dir, params.log_start_offset, params.config, params.now_ms, 0);
    if (!seg) return seg.error();
    out.segments.push_back(std::move(*seg));
  }
  out.next_offset = out.segments.back()->read_next_offset();
  if (!params.clean_shutdown || out.recovery_point > out.next_offset) {
    out.recovery_point = std::min(out.recovery_point, out.next_offset);
  }
  if (params.clean_shutdown) out.recovery_point = out.next_offset;
  epochs.truncate_from_end(out.next_offset);
  return out;
}

}  // namespace fjord::log
