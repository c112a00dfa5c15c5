// Loading a __consumer_offsets partition into its shard (GroupMetadataManager.loadGroups-
// AndOffsets): replay every record from the log start, the last record per key winning and
// tombstones deleting, then publish the groups at once. KIP-848 consumer groups come back
// from their records (consumer_group_records.h) with fresh session timeouts, and a rebalance
// timeout for members still revoking (GroupMetadataManager.onLoaded). Until then the shard answers
// COORDINATOR_LOAD_IN_PROGRESS. Unloading answers waiting members NOT_COORDINATOR.
#include <spdlog/spdlog.h>

#include <chrono>

#include "coordinator/consumer_group_records.h"
#include "coordinator/group_coordinator.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/record_batch.h"

namespace fjord::coordinator {
namespace {

struct LoadedGroup {
  std::optional<msg::GroupMetadataValue> metadata;
  std::map<TopicPartitionKey, CommittedOffset> offsets;
};

}  // namespace

void GroupCoordinator::load_shard(Shard& s, int32_t leader_epoch) {
  const auto started = std::chrono::steady_clock::now();
  std::map<std::string, LoadedGroup> loaded;
  ConsumerGroupReplay consumer_replay;
  int64_t offset = 0;
  DecompressionBuffer scratch;
  int64_t records = 0;
  while (true) {
    auto r = topic_.read(s.partition, offset, config_.load_buffer_bytes);
    if (!r.ok()) return;  // stays unloaded; the next tick tries again
    BatchIterator it(r->records);
    BatchEntry entry;
    while (it.next(entry)) {
      // Magic 0/1 entries predate Kafka 0.11 and are not written by Fjord; transactional
      // offset commits belong to the transaction coordinator (not replayed here).
      if (entry.magic != 2) continue;
      auto batch = RecordBatchView::parse(entry.bytes);
      if (!batch.ok() || batch->is_control() || batch->is_transactional()) continue;
      auto reader = batch->records(scratch);
      if (!reader.ok()) continue;
      fjord::Record rec;
      while (reader->next(rec)) {
        if (rec.key && is_consumer_group_key(*rec.key)) {
          if (consumer_replay.apply(*rec.key, rec.value) == ErrorCode::kNone) ++records;
          continue;
        }
        auto decoded = decode_offsets_record(rec.key, rec.value);
        if (!decoded.ok()) continue;
        ++records;
        OffsetsRecord& o = *decoded;
        if (o.kind == OffsetsRecord::Kind::kOffset) {
          TopicPartitionKey tp{o.topic, o.partition};
          if (o.offset) {
            loaded[o.group].offsets[tp] = *o.offset;
          } else if (auto g = loaded.find(o.group); g != loaded.end()) {
            g->second.offsets.erase(tp);
          }
        } else if (o.metadata) {
          loaded[o.group].metadata = std::move(o.metadata);
        } else if (auto g = loaded.find(o.group); g != loaded.end()) {
          g->second.metadata.reset();
        }
      }
    }
    if (r->next_offset <= offset || r->next_offset >= r->end_offset) break;
    offset = r->next_offset;
  }
  std::map<std::string, std::unique_ptr<Group>, std::less<>> groups;
  const int64_t t = now();
  for (auto& [id, lg] : loaded) {
    if (!lg.metadata && lg.offsets.empty()) continue;
    auto g = std::make_unique<Group>(id, t);
    if (lg.metadata) g->load_from_record(*lg.metadata, t);
    g->offsets() = std::move(lg.offsets);
    groups.emplace(id, std::move(g));
  }
  auto consumer_groups = consumer_replay.take();
  for (auto& [id, g] : consumer_groups) {
    for (auto& [mid, m] : g->members) {
      m.session_deadline_ms = t + config_.consumer_session_timeout_ms;
      if (m.state == ConsumerMemberState::kUnrevokedPartitions) {
        m.rebalance_deadline_ms = t + std::max(m.rebalance_timeout_ms, 0);
        m.rebalance_deadline_epoch = m.member_epoch;
      }
    }
    spdlog::info("[GroupId {}] Loaded consumer group with {} members, epoch {}.", id,
                 g->members.size(), g->group_epoch);
  }
  std::lock_guard lock(s.mu);
  if (!active_.load() || s.load == LoadState::kLoaded) return;
  // Leadership moved while reading: the next tick starts over (or leaves the shard unloaded).
  if (topic_.leader_epoch(s.partition) != leader_epoch) return;
  const size_t count = groups.size();
  s.groups = std::move(groups);
  s.consumer_groups = std::move(consumer_groups);
  s.load = LoadState::kLoaded;
  s.loaded_leader_epoch = leader_epoch;
  if (records > 0) {
    spdlog::info(
        "[GroupMetadataManager] Finished loading offsets and group metadata from {}-{} in {} "
        "milliseconds ({} records, {} groups), leader epoch {}",
        kOffsetsTopic, s.partition,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                              started)
            .count(),
        records, count, leader_epoch);
  }
}

void GroupCoordinator::unload_shard(Shard& s, Effects& fx) {
  for (auto& [id, g] : s.groups) {
    for (auto& [mid, m] : g->members()) {
      if (m.awaiting_join) {
        msg::JoinGroupResponse r;
        r.error_code = static_cast<int16_t>(ErrorCode::kNotCoordinator);
        r.generation_id = -1;
        fx.push_back([cb = std::move(m.awaiting_join), r] { cb(r); });
        m.awaiting_join = nullptr;
      }
      if (m.awaiting_sync) {
        msg::SyncGroupResponse r;
        r.error_code = static_cast<int16_t>(ErrorCode::kNotCoordinator);
        fx.push_back([cb = std::move(m.awaiting_sync), r] { cb(r); });
        m.awaiting_sync = nullptr;
      }
    }
  }
  s.groups.clear();
  s.consumer_groups.clear();
  s.load = LoadState::kUnloaded;
  s.loaded_leader_epoch = -1;
  ++s.epoch;
}

}  // namespace fjord::coordinator
