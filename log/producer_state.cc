#include "log/producer_state.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>

#include "log/segment_name.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/crc32c.h"

namespace fjord::log {

namespace bh = batch_header;

int32_t increment_sequence(int32_t sequence, int32_t increment) {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

int32_t decrement_sequence(int32_t sequence, int32_t decrement) {
  if (sequence < decrement) return INT32_MAX - (decrement - sequence) + 1;
  return sequence - decrement;
}

ProducerBatch ProducerBatch::from_header(const uint8_t* h) {
  ProducerBatch b;
  b.producer_id = bh::producer_id(h);
  b.producer_epoch = bh::producer_epoch(h);
  b.base_sequence = bh::base_sequence(h);
  // Kafka's DefaultRecordBatch.lastSequence: NO_SEQUENCE stays NO_SEQUENCE.
  b.last_sequence = b.base_sequence < 0
                        ? b.base_sequence
                        : increment_sequence(b.base_sequence, bh::last_offset_delta(h));
  b.base_offset = bh::base_offset(h);
  b.last_offset = bh::last_offset(h);
  b.max_timestamp = bh::max_timestamp(h);
  b.transactional = (bh::attributes(h) & bh::kTransactionalFlag) != 0;
  b.control = (bh::attributes(h) & bh::kControlFlag) != 0;
  return b;
}

// --- ProducerStateEntry ---------------------------------------------------------------

std::optional<BatchMetadata> ProducerStateEntry::find_duplicate(const ProducerBatch& b) const {
  if (b.producer_epoch != producer_epoch) return std::nullopt;
  for (size_t i = 0; i < count_; ++i) {
    const BatchMetadata& m = batch(i);
    if (m.first_seq() == b.base_sequence && m.last_seq == b.last_sequence) return m;
  }
  return std::nullopt;
}

void ProducerStateEntry::maybe_update_epoch(int16_t epoch) {
  if (producer_epoch == epoch) return;
  producer_epoch = epoch;
  head_ = 0;
  count_ = 0;
}

void ProducerStateEntry::add_batch(int16_t epoch, const BatchMetadata& m) {
  maybe_update_epoch(epoch);
  if (count_ == kNumBatchesToRetain) {
    head_ = (head_ + 1) % kNumBatchesToRetain;
    --count_;
  }
  batches_[(head_ + count_) % kNumBatchesToRetain] = m;
  ++count_;
  last_timestamp = m.timestamp;
}

// --- validation -----------------------------------------------------------------------

const ProducerStateEntry* ProducerStateManager::entry(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

std::optional<BatchMetadata> ProducerStateManager::find_duplicate(const ProducerBatch& b) const {
  if (!b.has_producer_id()) return std::nullopt;
  const ProducerStateEntry* e = entry(b.producer_id);
  return e == nullptr ? std::nullopt : e->find_duplicate(b);
}

ProducerStateEntry& ProducerStateManager::staged_entry(int64_t producer_id,
                                                       ProducerAppend& append) const {
  for (ProducerStateEntry& e : append.updated) {
    if (e.producer_id == producer_id) return e;
  }
  const ProducerStateEntry* current = entry(producer_id);
  ProducerStateEntry fresh;
  fresh.producer_id = producer_id;
  append.updated.push_back(current != nullptr ? *current : fresh);
  return append.updated.back();
}

namespace {

bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return static_cast<int64_t>(next_seq) == static_cast<int64_t>(last_seq) + 1 ||
         (next_seq == 0 && last_seq == INT32_MAX);
}

void apply(const ProducerBatch& b, ProducerStateEntry& e) {
  if (b.control) {
    // A transaction marker ends the producer's transaction; it carries no sequence.
    e.maybe_update_epoch(b.producer_epoch);
    e.current_txn_first_offset = -1;
    e.last_timestamp = b.max_timestamp;
    return;
  }
  e.add_batch(b.producer_epoch,
              BatchMetadata{b.last_sequence, b.last_offset,
                            static_cast<int32_t>(b.last_offset - b.base_offset), b.max_timestamp});
  if (b.transactional && e.current_txn_first_offset < 0) e.current_txn_first_offset = b.base_offset;
}

}  // namespace

ErrorCode ProducerStateManager::validate_and_stage(const ProducerBatch& b,
                                                   ProducerAppend& append) const {
  if (!b.has_producer_id()) return ErrorCode::kNone;
  const ProducerStateEntry* current = entry(b.producer_id);
  ProducerStateEntry& updated = staged_entry(b.producer_id, append);
  // Kafka 2.7+: an older epoch is INVALID_PRODUCER_EPOCH (it was PRODUCER_FENCED before).
  if (b.producer_epoch < updated.producer_epoch) return ErrorCode::kInvalidProducerEpoch;
  if (!b.control) {
    // ProducerAppendInfo.checkSequence (client appends only).
    if (b.producer_epoch != updated.producer_epoch) {
      // A new epoch starts at 0; a producer never seen before may start anywhere.
      if (b.base_sequence != 0 && updated.producer_epoch != -1) {
        return ErrorCode::kOutOfOrderSequenceNumber;
      }
    } else {
      int32_t current_last_seq = updated.last_seq();
      if (updated.empty() && current != nullptr && b.producer_epoch == current->producer_epoch) {
        current_last_seq = current->last_seq();
      }
      // No known epoch (every batch of the producer removed by retention or DeleteRecords):
      // any sequence is accepted.
      bool unknown = current == nullptr || current->producer_epoch == -1;
      if (!unknown && !in_sequence(current_last_seq, b.base_sequence)) {
        return ErrorCode::kOutOfOrderSequenceNumber;
      }
    }
  }
  apply(b, updated);
  return ErrorCode::kNone;
}

void ProducerStateManager::stage_unchecked(const ProducerBatch& b, ProducerAppend& append) const {
  if (!b.has_producer_id()) return;
  apply(b, staged_entry(b.producer_id, append));
}

void ProducerStateManager::commit(ProducerAppend& append) {
  for (ProducerStateEntry& e : append.updated) producers_[e.producer_id] = std::move(e);
  append.updated.clear();
}

void ProducerStateManager::replay(const ProducerBatch& b) {
  if (b.has_producer_id()) {
    ProducerAppend append;
    stage_unchecked(b, append);
    commit(append);
  }
  map_end_offset_ = std::max(map_end_offset_, b.last_offset + 1);
}

// --- snapshots ------------------------------------------------------------------------

namespace {

constexpr int16_t kSnapshotVersion = 1;
constexpr size_t kEntriesOffset = 6;  // after version and crc
constexpr size_t kEntrySize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

template <typename T>
void put(Bytes& out, T v) {
  size_t at = out.size();
  out.resize(at + sizeof(T));
  bh::store_be<T>(out.data() + at, v);
}

}  // namespace

fs::path ProducerStateManager::snapshot_file(const fs::path& dir, int64_t offset) {
  return dir / (offset_file_prefix(offset) + std::string(kProducerSnapshotSuffix));
}

Bytes ProducerStateManager::encode_snapshot(
    const std::map<int64_t, ProducerStateEntry>& producers) {
  Bytes out;
  out.reserve(kEntriesOffset + 4 + producers.size() * kEntrySize);
  put<int16_t>(out, kSnapshotVersion);
  put<uint32_t>(out, 0);
  put<int32_t>(out, static_cast<int32_t>(producers.size()));
  for (const auto& [id, e] : producers) {
    put<int64_t>(out, id);
    put<int16_t>(out, e.producer_epoch);
    put<int32_t>(out, e.last_seq());
    put<int64_t>(out, e.last_data_offset());
    put<int32_t>(out, e.empty() ? 0 : e.last().offset_delta);
    put<int64_t>(out, e.last_timestamp);
    put<int32_t>(out, e.coordinator_epoch);
    put<int64_t>(out, e.current_txn_first_offset);
  }
  uint32_t crc = crc32c(ByteView(out.data() + kEntriesOffset, out.size() - kEntriesOffset));
  bh::store_be<uint32_t>(out.data() + 2, crc);
  return out;
}

Result<std::vector<ProducerStateEntry>> ProducerStateManager::decode_snapshot(
    std::span<const uint8_t> data) {
  if (data.size() < kEntriesOffset + 4) return ErrorCode::kCorruptMessage;
  if (bh::load_be<int16_t>(data.data()) != kSnapshotVersion) return ErrorCode::kCorruptMessage;
  uint32_t stored = bh::load_be<uint32_t>(data.data() + 2);
  if (stored != crc32c(data.subspan(kEntriesOffset))) return ErrorCode::kCorruptMessage;
  int32_t count = bh::load_be<int32_t>(data.data() + kEntriesOffset);
  if (count < 0 || data.size() != kEntriesOffset + 4 + static_cast<size_t>(count) * kEntrySize) {
    return ErrorCode::kCorruptMessage;
  }
  std::vector<ProducerStateEntry> out;
  out.reserve(static_cast<size_t>(count));
  const uint8_t* p = data.data() + kEntriesOffset + 4;
  for (int32_t i = 0; i < count; ++i, p += kEntrySize) {
    ProducerStateEntry e;
    e.producer_id = bh::load_be<int64_t>(p);
    int16_t epoch = bh::load_be<int16_t>(p + 8);
    int32_t last_seq = bh::load_be<int32_t>(p + 10);
    int64_t last_offset = bh::load_be<int64_t>(p + 14);
    int32_t offset_delta = bh::load_be<int32_t>(p + 22);
    int64_t timestamp = bh::load_be<int64_t>(p + 26);
    e.maybe_update_epoch(epoch);
    if (last_offset >= 0) e.add_batch(epoch, {last_seq, last_offset, offset_delta, timestamp});
    e.last_timestamp = timestamp;
    e.coordinator_epoch = bh::load_be<int32_t>(p + 34);
    e.current_txn_first_offset = bh::load_be<int64_t>(p + 38);
    out.push_back(e);
  }
  return out;
}

Result<void> ProducerStateManager::take_snapshot(bool sync) {
  // Kafka: no new snapshot when nothing was appended since the last one.
  if (map_end_offset_ <= last_snapshot_offset_) return {};
  fs::path path = snapshot_file(dir_, map_end_offset_);
  Bytes data = encode_snapshot(producers_);
  std::string_view contents(reinterpret_cast<const char*>(data.data()), data.size());
  if (sync) {
    if (auto r = write_file_atomically(path, contents); !r) return r;
  } else {
    // Without fsync (a roll; the background flush syncs it): still never torn in place.
    fs::path tmp = path;
    tmp += ".tmp";
    auto f = File::open(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!f) return f.error();
    if (auto r = f->pwrite_all(data.data(), data.size(), 0); !r) return r;
    f->close();
    if (auto r = rename_file(tmp, path); !r) return r;
  }
  spdlog::info("Wrote producer snapshot at offset {} with {} producer ids in {}", map_end_offset_,
               producers_.size(), dir_.filename().string());
  last_snapshot_offset_ = map_end_offset_;
  return {};
}

Result<std::vector<int64_t>> ProducerStateManager::snapshot_offsets() const {
  auto files = list_dir(dir_);
  if (!files) return files.error();
  std::vector<int64_t> out;
  for (const fs::path& p : *files) {
    std::string name = p.filename().string();
    if (!name.ends_with(kProducerSnapshotSuffix)) continue;
    if (auto o = parse_base_offset(name); o && name.size() == 20 + kProducerSnapshotSuffix.size()) {
      out.push_back(*o);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> ProducerStateManager::delete_snapshots_before(int64_t offset) {
  auto offsets = snapshot_offsets();
  if (!offsets) return offsets.error();
  for (int64_t o : *offsets) {
    if (o >= offset) break;
    if (auto r = remove_file(snapshot_file(dir_, o)); !r) return r;
  }
  return {};
}

Result<void> ProducerStateManager::delete_snapshots_after(int64_t offset) {
  auto offsets = snapshot_offsets();
  if (!offsets) return offsets.error();
  for (int64_t o : *offsets) {
    if (o <= offset) continue;
    if (auto r = remove_file(snapshot_file(dir_, o)); !r) return r;
  }
  if (last_snapshot_offset_ > offset) last_snapshot_offset_ = -1;
  return {};
}

Result<std::optional<int64_t>> ProducerStateManager::load_latest_snapshot(int64_t now_ms) {
  producers_.clear();
  auto offsets = snapshot_offsets();
  if (!offsets) return offsets.error();
  for (auto it = offsets->rbegin(); it != offsets->rend(); ++it) {
    fs::path path = snapshot_file(dir_, *it);
    auto contents = read_small_file(path);
    if (!contents) return contents.error();
    auto entries = decode_snapshot(
        std::span(reinterpret_cast<const uint8_t*>(contents->data()), contents->size()));
    if (!entries) {
      // Kafka: CorruptSnapshotException deletes the file and tries the next older one.
      spdlog::warn("Failed to load producer snapshot from '{}': corrupt; deleting it",
                   path.string());
      if (auto r = remove_file(path); !r) return r.error();
      continue;
    }
    spdlog::info("Loading producer state from snapshot file '{}'", path.string());
    for (ProducerStateEntry& e : *entries) {
      // Kafka drops producers idle past producer.id.expiration.ms unless in a transaction.
      bool expired = e.current_txn_first_offset < 0 && now_ms - e.last_timestamp >= expiration_ms_;
      if (!expired) producers_[e.producer_id] = e;
    }
    map_end_offset_ = *it;
    last_snapshot_offset_ = *it;
    return std::optional<int64_t>(*it);
  }
  last_snapshot_offset_ = -1;
  return std::optional<int64_t>();
}

}  // namespace fjord::log
