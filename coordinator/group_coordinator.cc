#include "coordinator/group_coordinator.h"

#include <spdlog/spdlog.h>

#include "coordinator/group_partition.h"
#include "protocol/records/batch_builder.h"

namespace fjord::coordinator {

GroupCoordinator::GroupCoordinator(GroupConfig config, OffsetsTopic& topic,
                                   const CoordinatorClock& clock)
    : config_(config), topic_(topic), clock_(clock) {
  if (config_.num_partitions <= 0) config_.num_partitions = 1;
  for (int32_t p = 0; p < config_.num_partitions; ++p) {
    auto s = std::make_unique<Shard>();
    s->partition = p;
    shards_.push_back(std::move(s));
  }
  last_expiry_check_ms_ = clock_.now_ms();
}

GroupCoordinator::~GroupCoordinator() { shutdown(); }

void GroupCoordinator::run(Effects& fx) {
  for (auto& f : fx) f();
  fx.clear();
}

int32_t GroupCoordinator::partition_for(std::string_view group_id) const {
  return partition_for_group(group_id, config_.num_partitions);
}

GroupCoordinator::Shard& GroupCoordinator::shard_for(std::string_view group_id) {
  return *shards_[static_cast<size_t>(partition_for(group_id))];
}

ErrorCode GroupCoordinator::group_status(Shard& s, std::string_view group_id, bool allow_empty_id) {
  if (group_id.empty() && !allow_empty_id) return ErrorCode::kInvalidGroupId;
  if (!active_.load()) return ErrorCode::kCoordinatorNotAvailable;
  const int32_t leader_epoch = topic_.leader_epoch(s.partition);
  if (leader_epoch < 0) return ErrorCode::kNotCoordinator;
  if (s.load == LoadState::kLoaded && s.loaded_leader_epoch != leader_epoch) {
    // Leadership was lost and regained since the load: tick() loads the shard again.
    return ErrorCode::kCoordinatorLoadInProgress;
  }
  if (s.load == LoadState::kUnloaded) {
    // A partition with nothing in it needs no loading (a freshly created __consumer_offsets);
    // anything else is loaded by tick(), off the caller's event loop.
    auto r = topic_.read(s.partition, 0, 1);
    if (r.ok() && r->records.empty() && r->next_offset >= r->end_offset) {
      s.load = LoadState::kLoaded;
      s.loaded_leader_epoch = leader_epoch;
    } else {
      return ErrorCode::kCoordinatorLoadInProgress;
    }
  }
  return ErrorCode::kNone;
}

Group* GroupCoordinator::find_group(Shard& s, std::string_view group_id) {
  auto it = s.groups.find(group_id);
  return it == s.groups.end() ? nullptr : it->second.get();
}

Group& GroupCoordinator::get_or_create_group(Shard& s, const std::string& group_id) {
  auto& slot = s.groups[group_id];
  if (!slot) slot = std::make_unique<Group>(group_id, now());
  return *slot;
}

void GroupCoordinator::erase_if_unused(Shard& s, const std::string& group_id) {
  auto it = s.groups.find(group_id);
  if (it == s.groups.end()) return;
  Group& g = *it->second;
  if ((g.is(GroupState::kEmpty) && g.size() == 0 && g.generation() == 0 && !g.has_offsets() &&
       g.pending_members().empty()) ||
      g.is(GroupState::kDead)) {
    s.groups.erase(it);
  }
}

void GroupCoordinator::append(Shard& s, std::vector<Record> records,
                              std::function<void(ErrorCode, Effects&)> on_done) {
  RecordBatchBuilder builder;
  const int64_t ts = now();
  for (const auto& [key, value] : records) {
    builder.append(ts, ByteView(key),
                   value ? std::optional<ByteView>(ByteView(*value)) : std::nullopt);
  }
  Bytes batch;
  if (builder.build(batch) != RecordError::kNone) {
    Effects fx;
    on_done(ErrorCode::kUnknownServerError, fx);
    // Not reachable with well-formed keys; any client callbacks still must run.
    for (auto& f : fx) f();
    return;
  }
  const uint64_t epoch = s.epoch;
  topic_.append(s.partition, std::move(batch),
                [this, &s, epoch, on_done = std::move(on_done)](ErrorCode e) {
                  Effects fx;
                  {
                    std::lock_guard lock(s.mu);
                    if (s.epoch != epoch && e == ErrorCode::kNone) e = ErrorCode::kNotCoordinator;
                    on_done(e, fx);
                  }
                  run(fx);
                });
}

GroupCoordinator::Record GroupCoordinator::group_record(
    const Group& g, const std::map<std::string, Bytes>* assignment) const {
  msg::GroupMetadataValue v = g.to_record(now());
  if (assignment != nullptr) {
    for (auto& m : v.members) {
      auto it = assignment->find(m.member_id);
      m.assignment = it == assignment->end() ? Bytes() : it->second;
    }
  }
  return {group_metadata_key(g.group_id()), group_metadata_value(v)};
}

void GroupCoordinator::tick() {
  if (!active_.load()) return;
  const int64_t t = now();
  const bool expire =
      t - last_expiry_check_ms_.load() >= config_.offsets_retention_check_interval_ms;
  if (expire) last_expiry_check_ms_ = t;
  for (auto& sp : shards_) {
    Shard& s = *sp;
    bool needs_load = false;
    int32_t leader_epoch = -1;
    {
      Effects fx;
      {
        std::lock_guard lock(s.mu);
        leader_epoch = topic_.leader_epoch(s.partition);
        if (s.load == LoadState::kLoaded && s.loaded_leader_epoch != leader_epoch) {
          if (leader_epoch < 0) {
            spdlog::info("[GroupCoordinator] resigned as coordinator of {}-{}: unloading {} groups",
                         kOffsetsTopic, s.partition, s.groups.size() + s.consumer_groups.size());
          }
          unload_shard(s, fx);
        }
        if (s.load == LoadState::kUnloaded) {
          needs_load = leader_epoch >= 0;
        } else {
          std::vector<std::string> ids;
          for (const auto& [id, g] : s.groups) ids.push_back(id);
          for (const std::string& id : ids) {
            if (Group* g = find_group(s, id)) check_deadlines(s, *g, fx);
          }
          for (auto& [id, g] : s.consumer_groups) check_consumer_deadlines(s, *g);
          if (expire) expire_offsets(s);
        }
      }
      run(fx);
    }
    if (needs_load) load_shard(s, leader_epoch);
  }
}

void GroupCoordinator::shutdown() {
  if (!active_.exchange(false)) return;
  for (auto& sp : shards_) {
    Effects fx;
    {
      std::lock_guard lock(sp->mu);
      unload_shard(*sp, fx);
    }
    run(fx);
  }
}

bool GroupCoordinator::all_loaded() {
  for (auto& sp : shards_) {
    std::lock_guard lock(sp->mu);
    const int32_t leader_epoch = topic_.leader_epoch(sp->partition);
    if (leader_epoch >= 0 &&
        (sp->load != LoadState::kLoaded || sp->loaded_leader_epoch != leader_epoch)) {
      return false;
    }
  }
  return true;
}

}  // namespace fjord::coordinator
