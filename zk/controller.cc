#include "zk/controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace fjord::zk {
namespace {

constexpr int16_t kLeaderAndIsrVersion = 7;    // what Kafka 3.9's ZooKeeper controller sends
constexpr int16_t kUpdateMetadataVersion = 8;
constexpr int16_t kStopReplicaVersion = 4;
constexpr int32_t kLeaderDuringDelete = -2;    // LeaderAndIsr.LeaderDuringDelete
constexpr int32_t kEpochDuringDelete = -2;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int16_t security_protocol_id(const std::string& name) {
  if (name == "SSL") return 1;
  if (name == "SASL_PLAINTEXT") return 2;
  if (name == "SASL_SSL") return 3;
  return 0;  // PLAINTEXT
}

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string describe(const std::pair<std::string, int32_t>& tp) {
  return tp.first + "-" + std::to_string(tp.second);
}

// A LeaderAndIsr or UpdateMetadata request gets a partition as Kafka's
// ControllerBrokerRequestBatch adds it: under its topic's entry (one per topic, partitions of a
// topic in a row), with the leader, ISR and epochs of its state znode and its replicas. Returns
// the partition state for the fields only one of the two requests has.
template <typename Request>
auto& add_partition_state(Request& req, const std::pair<std::string, int32_t>& tp,
                          const Uuid& topic_id, const LeaderIsrAndEpoch& state,
                          const std::vector<int32_t>& replicas) {
  if (req.topic_states.empty() || req.topic_states.back().topic_name != tp.first) {
    auto& ts = req.topic_states.emplace_back();
    ts.topic_name = tp.first;
    ts.topic_id = topic_id;
  }
  auto& ps = req.topic_states.back().partition_states.emplace_back();
  ps.topic_name = tp.first;
  ps.partition_index = tp.second;
  ps.controller_epoch = state.controller_epoch;
  ps.leader = state.leader;
  ps.leader_epoch = state.leader_epoch;
  ps.isr = state.isr;
  ps.replicas = replicas;
  return ps;
}

}  // namespace

Controller::Controller(ZooKeeperClient& zk, ControllerOptions options)
    : zk_(zk), options_(std::move(options)), channel_(std::make_unique<ControllerChannel>()) {}

Controller::~Controller() {
  shutdown();
  // The client may live on: none of its handlers, hooks or posted tasks may run on this one.
  zk_.remove_owner(this);
  zk_.drain();
}

void Controller::start() {
  zk_.on_change("/controller",
                [this](ZkEvent, const std::string&) { on_controller_change(); }, this);
  zk_.on_children("/brokers/ids",
                [this](ZkEvent, const std::string&) { on_broker_change(); }, this);
  zk_.on_children("/brokers/topics",
                [this](ZkEvent, const std::string&) { on_topic_change(); }, this);
  zk_.on_children("/admin/delete_topics",
                [this](ZkEvent, const std::string&) { on_delete_topics(); }, this);
  // KafkaController: a controller whose session expired resigns; every new session re-elects.
  zk_.on_session_expired([this] { resign(); }, this);
  zk_.on_new_session([this] { elect(); }, this);
  zk_.post([this] { elect(); });
  if (options_.auto_leader_rebalance) {
    timer_ = std::thread([this] {
      std::unique_lock lock(timer_mu_);
      while (!stopped_) {
        if (!rebalance_due_) {
          timer_cv_.wait(lock, [&] { return stopped_.load() || rebalance_due_.has_value(); });
          continue;
        }
        const auto due = *rebalance_due_;
        // True: stopped, or rescheduled (elected again, or resigned) meanwhile.
        auto stopped_or_moved = [&] { return stopped_.load() || rebalance_due_ != due; };
        if (timer_cv_.wait_until(lock, due, stopped_or_moved)) continue;
        rebalance_due_ = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(options_.leader_imbalance_check_interval_ms);
        zk_.post([this] { rebalance_preferred_leaders(); });
      }
    });
  }
}

void Controller::schedule_rebalance(std::optional<std::chrono::milliseconds> delay) {
  if (!options_.auto_leader_rebalance) return;
  {
    std::lock_guard lock(timer_mu_);
    if (delay) {
      rebalance_due_ = std::chrono::steady_clock::now() + *delay;
    } else {
      rebalance_due_.reset();
    }
  }
  timer_cv_.notify_all();
}

void Controller::shutdown() {
  if (stopped_.exchange(true)) return;
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  active_ = false;
  channel_->remove_all();
}

// --- election ---

void Controller::elect() {
  if (stopped_) return;
  ZkStat stat;
  // exists() leaves the watch whether or not the znode is there.
  ZkCode rc = zk_.exists("/controller", &stat, /*watch=*/true);
  if (rc == ZkCode::kOk) {
    std::string data;
    if (!zk_ok(zk_.get("/controller", &data))) return;
    int32_t id = decode_controller(data).value_or(-1);
    active_id_ = id;
    if (id != options_.broker_id && active_) resign();
    if (id == options_.broker_id && !active_ && stat.ephemeral_owner == zk_.session_id()) {
      // Our own znode from before a failed failover: give the election another chance.
      zk_.remove("/controller");
    }
    return;
  }
  if (rc != ZkCode::kNoNode) {
    spdlog::warn("[Controller id={}] cannot read /controller: {}", options_.broker_id,
                 zk_code_name(rc));
    return;
  }
  std::string epoch_data;
  ZkStat epoch_stat;
  rc = zk_.get("/controller_epoch", &epoch_data, &epoch_stat);
  if (rc == ZkCode::kNoNode) {
    rc = zk_.create("/controller_epoch", "0", CreateMode::kPersistent);
    if (rc != ZkCode::kOk && rc != ZkCode::kNodeExists) return;
    rc = zk_.get("/controller_epoch", &epoch_data, &epoch_stat);
  }
  if (!zk_ok(rc)) return;
  int32_t current = 0;
  try {
    current = std::stoi(epoch_data);
  } catch (const std::exception&) {
    spdlog::error("[Controller id={}] /controller_epoch holds '{}', not a number",
                  options_.broker_id, epoch_data);
    return;
  }
  const int32_t next = current + 1;
  int failed = -1;
  rc = zk_.multi({ZkOp::create("/controller", encode_controller(options_.broker_id, now_ms()),
                               CreateMode::kEphemeral),
                  ZkOp::set("/controller_epoch", std::to_string(next), epoch_stat.version)},
                 &failed);
  if (rc == ZkCode::kNodeExists || rc == ZkCode::kBadVersion) {
    elect();  // somebody else won: learn who (and watch again)
    return;
  }
  if (!zk_ok(rc)) {
    spdlog::warn("[Controller id={}] election failed: {}", options_.broker_id, zk_code_name(rc));
    return;
  }
  epoch_ = next;
  epoch_zk_version_ = epoch_stat.version + 1;
  active_id_ = options_.broker_id;
  active_ = true;
  spdlog::info("[Controller id={}] {} successfully elected as the controller. Epoch incremented "
               "to {} and epoch zk version is now {}",
               options_.broker_id, options_.broker_id, epoch_, epoch_zk_version_);
  failover();
  // As KafkaController.onControllerFailover: the first check 5 s after taking over, then one
  // every leader.imbalance.check.interval.seconds.
  schedule_rebalance(std::chrono::seconds(5));
}

void Controller::on_controller_change() {
  // Deleted: run for it. Changed: learn the new holder (and resign if it is not us).
  elect();
}

void Controller::resign() {
  if (!active_.exchange(false)) return;
  spdlog::info("[Controller id={}] Resigning", options_.broker_id);
  schedule_rebalance(std::nullopt);
  channel_->remove_all();
  live_.clear();
  shutting_down_.clear();
  topics_.clear();
  states_.clear();
  deleting_.clear();
  active_id_ = -1;
}

ZkCode Controller::checked_multi(std::vector<ZkOp> ops) {
  ops.insert(ops.begin(), ZkOp::check("/controller_epoch", epoch_zk_version_));
  int failed = -1;
  ZkCode rc = zk_.multi(ops, &failed);
  if (rc == ZkCode::kBadVersion && failed == 0) {
    // ControllerMovedException: another controller bumped the epoch.
    spdlog::warn("[Controller id={}] controller epoch zk version {} is stale: another broker is "
                 "the controller now",
                 options_.broker_id, epoch_zk_version_);
    resign();
    elect();
  }
  return rc;
}

void Controller::failover() {
  spdlog::info("[Controller id={}] Starting become controller state transition",
               options_.broker_id);
  live_ = read_live_brokers();
  for (const auto& [_, b] : live_) connect_broker(b);
  std::vector<std::string> names;
  zk_.get_children("/brokers/topics", &names, /*watch=*/true);
  for (const std::string& name : names) load_topic(name);
  // The feature znode 3.x controllers create (feature versioning enabled, no finalized features).
  zk_.create("/feature", R"({"features":{},"version":2,"status":1})", CreateMode::kPersistent);

  std::vector<TopicPartition> fresh, all;
  for (const auto& [name, t] : topics_) {
    for (const auto& [p, _] : t.assignment) {
      TopicPartition tp{name, p};
      (states_.count(tp) ? all : fresh).push_back(tp);
    }
  }
  send_update_metadata_all();
  if (!take_offline_replicas_out(all)) return;
  std::vector<TopicPartition> offline;
  for (const auto& tp : all) {
    if (!alive(states_[tp].leader)) offline.push_back(tp);
  }
  elect_offline_leaders(offline);
  send_leader_and_isr(all);
  send_update_metadata_all();
  if (!fresh.empty()) on_new_partitions(fresh);
  on_delete_topics();
  spdlog::info("[Controller id={}] controller {} is ready: {} live brokers, {} topics",
               options_.broker_id, epoch_, live_.size(), topics_.size());
}

bool Controller::take_offline_replicas_out(const std::vector<TopicPartition>& partitions) {
  // ReplicaStateMachine.startup: a replica on a broker that is not live goes OfflineReplica.
  // It leaves the ISR (the last member stays), the partition it led has no leader until the
  // election that follows, and each removal is a new leader epoch (doRemoveReplicasFromIsr).
  // Without this, a controller that took over from one whose session expired (a frozen
  // broker) would leave that broker in every ISR it followed, and acks=all would wait for it
  // until the leaders' replica.lag.time.max.ms.
  for (const auto& tp : partitions) {
    std::vector<int32_t> offline;
    for (int32_t r : topics_[tp.first].assignment[tp.second]) {
      if (!alive(r)) offline.push_back(r);
    }
    std::sort(offline.begin(), offline.end());
    for (int32_t r : offline) {
      LeaderIsrAndEpoch next = states_[tp];
      if (!contains(next.isr, r)) continue;
      if (next.leader == r) next.leader = -1;
      if (next.isr.size() > 1) next.isr.erase(std::find(next.isr.begin(), next.isr.end(), r));
      ++next.leader_epoch;
      if (!write_state(tp, next)) {
        if (!active_) return false;
        break;
      }
      spdlog::info("[Controller id={}] Partition {} state changed to leader {} ISR [{}] leader "
                   "epoch {} after removing replica {} from the ISR as part of transition to "
                   "OfflineReplica",
                   options_.broker_id, describe(tp), next.leader, fmt::join(next.isr, ","),
                   next.leader_epoch, r);
    }
  }
  return true;
}

// --- reading ZooKeeper ---

std::map<int32_t, Controller::LiveBroker> Controller::read_live_brokers() {
  std::map<int32_t, LiveBroker> out;
  std::vector<std::string> children;
  if (!zk_ok(zk_.get_children("/brokers/ids", &children, /*watch=*/true))) return out;
  for (const std::string& c : children) {
    int32_t id;
    try {
      id = std::stoi(c);
    } catch (const std::exception&) {
      continue;
    }
    std::string data;
    ZkStat stat;
    if (!zk_ok(zk_.get("/brokers/ids/" + c, &data, &stat))) continue;
    auto info = parse_broker_znode(id, data);
    if (!info) {
      spdlog::warn("[Controller id={}] cannot parse /brokers/ids/{}: {}", options_.broker_id, c,
                   data);
      continue;
    }
    out[id] = {std::move(*info), stat.czxid};
  }
  return out;
}

void Controller::load_topic(const std::string& name) {
  std::string data;
  ZkStat stat;
  watch_topic(name);
  if (!zk_ok(zk_.get(topic_path(name), &data, &stat, /*watch=*/true))) return;
  auto znode = decode_topic_znode(data);
  if (!znode) {
    spdlog::warn("[Controller id={}] cannot parse {}: {}", options_.broker_id, topic_path(name),
                 data);
    return;
  }
  if (!znode->topic_id) {
    // Written by a pre-2.8 style tool: the controller gives the topic its id (KIP-516).
    znode->topic_id = random_uuid();
    ZkCode rc = checked_multi({ZkOp::set(topic_path(name), encode_topic_znode(*znode),
                                         stat.version)});
    if (!zk_ok(rc)) return;
  }
  Topic& t = topics_[name];
  t.id = *znode->topic_id;
  t.assignment = znode->partitions;
  for (const auto& [p, _] : t.assignment) {
    std::string state;
    ZkStat state_stat;
    if (!zk_ok(zk_.get(partition_state_path(name, p), &state, &state_stat))) continue;
    auto s = decode_partition_state(state);
    if (!s) continue;
    s->zk_version = state_stat.version;
    states_[{name, p}] = *s;
  }
}

void Controller::watch_topic(const std::string& name) {
  zk_.on_change(topic_path(name),
                [this, name](ZkEvent, const std::string&) { on_topic_modified(name); }, this);
}

// --- events ---

void Controller::on_broker_change() {
  if (!active_) return;
  auto now = read_live_brokers();
  std::vector<int32_t> started, failed;
  for (const auto& [id, b] : now) {
    auto it = live_.find(id);
    if (it == live_.end()) {
      started.push_back(id);
    } else if (it->second.epoch != b.epoch) {
      // Bounced within one watch: it died and came back (KafkaController's bouncedBrokerIds).
      failed.push_back(id);
      started.push_back(id);
    }
  }
  for (const auto& [id, _] : live_) {
    if (!now.count(id)) failed.push_back(id);
  }
  if (started.empty() && failed.empty()) return;
  spdlog::info("[Controller id={}] Broker change: started [{}], failed [{}]", options_.broker_id,
               fmt::join(started, ","), fmt::join(failed, ","));
  live_ = std::move(now);
  for (int32_t id : failed) {
    shutting_down_.erase(id);
    if (!live_.count(id)) channel_->remove_broker(id);
  }
  for (int32_t id : started) connect_broker(live_.at(id));
  if (!failed.empty()) on_brokers_failed(failed);
  if (!started.empty()) on_brokers_started(started);
}

void Controller::on_brokers_started(const std::vector<int32_t>& ids) {
  send_update_metadata_all();
  std::vector<TopicPartition> theirs, offline;
  for (const auto& [tp, s] : states_) {
    const auto& replicas = topics_[tp.first].assignment[tp.second];
    for (int32_t id : ids) {
      if (contains(replicas, id)) {
        theirs.push_back(tp);
        break;
      }
    }
    if (!alive(s.leader) && s.leader != kLeaderDuringDelete) offline.push_back(tp);
  }
  auto elected = elect_offline_leaders(offline);
  std::set<TopicPartition> to_send(theirs.begin(), theirs.end());
  to_send.insert(elected.begin(), elected.end());
  send_leader_and_isr({to_send.begin(), to_send.end()});
  if (!elected.empty()) send_update_metadata(live_ids(), elected);
}

void Controller::on_brokers_failed(const std::vector<int32_t>& ids) {
  std::vector<TopicPartition> leaderless, shrink;
  for (const auto& [tp, s] : states_) {
    if (deleting_.count(tp.first)) continue;
    if (contains(ids, s.leader)) {
      leaderless.push_back(tp);
    } else {
      for (int32_t id : ids) {
        if (contains(s.isr, id)) {
          shrink.push_back(tp);
          break;
        }
      }
    }
  }
  std::vector<TopicPartition> changed = elect_offline_leaders(leaderless);
  // OfflineReplica for followers: out of the ISR (the last member stays), new leader epoch.
  for (const auto& tp : shrink) {
    LeaderIsrAndEpoch next = states_[tp];
    std::vector<int32_t> isr;
    for (int32_t r : next.isr) {
      if (!contains(ids, r)) isr.push_back(r);
    }
    if (isr.empty()) continue;
    next.isr = isr;
    ++next.leader_epoch;
    if (write_state(tp, next)) changed.push_back(tp);
  }
  if (changed.empty()) return;
  send_leader_and_isr(changed);
  send_update_metadata(live_ids(), changed);
}

void Controller::on_topic_change() {
  if (!active_) return;
  std::vector<std::string> names;
  if (!zk_ok(zk_.get_children("/brokers/topics", &names, /*watch=*/true))) return;
  std::set<std::string> now(names.begin(), names.end());
  std::vector<TopicPartition> fresh;
  for (const std::string& name : names) {
    if (topics_.count(name)) continue;
    load_topic(name);
    auto it = topics_.find(name);
    if (it == topics_.end()) continue;
    spdlog::info("[Controller id={}] New topics: [{}]", options_.broker_id, name);
    for (const auto& [p, _] : it->second.assignment) {
      if (!states_.count({name, p})) fresh.push_back({name, p});
    }
  }
  for (auto it = topics_.begin(); it != topics_.end();) {
    if (now.count(it->first)) {
      ++it;
      continue;
    }
    for (auto s = states_.begin(); s != states_.end();) {
      s = s->first.first == it->first ? states_.erase(s) : std::next(s);
    }
    zk_.remove_handlers(topic_path(it->first), this);
    it = topics_.erase(it);
  }
  if (!fresh.empty()) on_new_partitions(fresh);
}

void Controller::on_topic_modified(const std::string& name) {
  if (!active_) return;
  std::string data;
  if (!zk_ok(zk_.get(topic_path(name), &data, nullptr, /*watch=*/true))) return;
  auto it = topics_.find(name);
  auto znode = decode_topic_znode(data);
  if (it == topics_.end() || !znode) return;
  std::vector<TopicPartition> added;
  for (const auto& [p, replicas] : znode->partitions) {
    if (!it->second.assignment.count(p)) {
      it->second.assignment[p] = replicas;
      added.push_back({name, p});
    }
  }
  if (added.empty()) return;
  spdlog::info("[Controller id={}] New partitions for {}: {}", options_.broker_id, name,
               added.size());
  on_new_partitions(added);
}

void Controller::on_new_partitions(const std::vector<TopicPartition>& partitions) {
  std::vector<TopicPartition> online;
  for (const auto& tp : partitions) {
    const auto& replicas = topics_[tp.first].assignment[tp.second];
    std::vector<int32_t> live;
    for (int32_t r : replicas) {
      if (alive(r)) live.push_back(r);
    }
    if (live.empty()) {
      spdlog::error("[Controller id={}] Controller {} epoch {} encountered error during state "
                    "change of partition {} from New to Online, assigned replicas are [{}], live "
                    "brokers are [{}]. No assigned replica is alive.",
                    options_.broker_id, options_.broker_id, epoch_, describe(tp),
                    fmt::join(replicas, ","), fmt::join(live_ids(), ","));
      continue;
    }
    // KafkaZkClient.createTopicPartitionStatesRaw: the parents first, then the state.
    bool parents_ok = true;
    for (const std::string& path : {partitions_path(tp.first), partition_path(tp.first, tp.second)}) {
      ZkCode rc = checked_multi({ZkOp::create(path, "")});
      if (!zk_ok(rc) && rc != ZkCode::kNodeExists) parents_ok = false;
    }
    if (!parents_ok || !active_) continue;
    LeaderIsrAndEpoch s;
    s.leader = live.front();
    s.leader_epoch = 0;
    s.isr = live;
    s.controller_epoch = epoch_;
    ZkCode rc = checked_multi({ZkOp::create(partition_state_path(tp.first, tp.second),
                                            encode_partition_state(s))});
    if (!zk_ok(rc)) {
      spdlog::warn("[Controller id={}] cannot create the state of {}: {}", options_.broker_id,
                   describe(tp), zk_code_name(rc));
      continue;
    }
    s.zk_version = 0;
    states_[tp] = s;
    online.push_back(tp);
  }
  if (online.empty()) return;
  send_leader_and_isr(online);
  send_update_metadata(live_ids(), online);
}

void Controller::on_delete_topics() {
  if (!active_) return;
  std::vector<std::string> marked;
  if (!zk_ok(zk_.get_children("/admin/delete_topics", &marked, /*watch=*/true))) return;
  for (const std::string& name : marked) {
    if (deleting_.count(name)) continue;
    auto it = topics_.find(name);
    if (it == topics_.end()) {
      // Nothing to delete (already gone, or never existed): drop the marker.
      checked_multi({ZkOp::remove(delete_topic_path(name))});
      continue;
    }
    spdlog::info("[Controller id={}] Deleting topic {}", options_.broker_id, name);
    deleting_.insert(name);
    std::vector<TopicPartition> parts;
    std::map<int32_t, std::vector<TopicPartition>> by_broker;
    for (const auto& [p, replicas] : it->second.assignment) {
      parts.push_back({name, p});
      for (int32_t r : replicas) {
        if (live_.count(r)) by_broker[r].push_back({name, p});
      }
      // Brokers drop the partitions from their metadata on LeaderDuringDelete.
      if (auto s = states_.find({name, p}); s != states_.end()) s->second.leader = kLeaderDuringDelete;
    }
    send_update_metadata(live_ids(), parts);
    auto pending = std::make_shared<size_t>(by_broker.size() + 1);
    auto finish = [this, name, pending] {
      if (--*pending != 0 || !active_) return;
      // TopicDeletionManager.completeDeleteTopic: the znodes go after the replicas are stopped.
      std::vector<ZkOp> ops;
      auto t = topics_.find(name);
      if (t != topics_.end()) {
        for (const auto& [p, _] : t->second.assignment) {
          if (zk_.exists(partition_state_path(name, p)) == ZkCode::kOk) {
            ops.push_back(ZkOp::remove(partition_state_path(name, p)));
          }
          if (zk_.exists(partition_path(name, p)) == ZkCode::kOk) {
            ops.push_back(ZkOp::remove(partition_path(name, p)));
          }
        }
      }
      if (zk_.exists(partitions_path(name)) == ZkCode::kOk) {
        ops.push_back(ZkOp::remove(partitions_path(name)));
      }
      ops.push_back(ZkOp::remove(topic_path(name)));
      ZkCode rc = checked_multi(ops);
      if (!zk_ok(rc) && rc != ZkCode::kNoNode) {
        spdlog::warn("[Controller id={}] cannot delete {}: {}", options_.broker_id,
                     topic_path(name), zk_code_name(rc));
      }
      checked_multi({ZkOp::remove(topic_config_path(name))});
      checked_multi({ZkOp::remove(delete_topic_path(name))});
      deleting_.erase(name);
      for (auto s = states_.begin(); s != states_.end();) {
        s = s->first.first == name ? states_.erase(s) : std::next(s);
      }
      zk_.remove_handlers(topic_path(name), this);
      topics_.erase(name);
      spdlog::info("[Controller id={}] Deletion of topic {} successfully completed",
                   options_.broker_id, name);
    };
    for (const auto& [broker, tps] : by_broker) {
      send_stop_replica(broker, tps, /*delete_partitions=*/true, finish);
    }
    finish();
  }
}

// --- partition state machine ---

bool Controller::unclean_allowed(const std::string& topic) {
  std::string data;
  if (zk_ok(zk_.get(topic_config_path(topic), &data))) {
    auto config = decode_entity_config(data);
    if (config) {
      auto it = config->find("unclean.leader.election.enable");
      if (it != config->end()) return it->second == "true";
    }
  }
  return options_.unclean_leader_election;
}

std::vector<Controller::TopicPartition> Controller::elect_offline_leaders(
    const std::vector<TopicPartition>& partitions) {
  std::vector<TopicPartition> changed;
  for (const auto& tp : partitions) {
    auto it = states_.find(tp);
    if (it == states_.end() || deleting_.count(tp.first)) continue;
    const LeaderIsrAndEpoch& cur = it->second;
    const auto& replicas = topics_[tp.first].assignment[tp.second];
    LeaderIsrAndEpoch next = cur;
    next.leader = -1;
    // OfflinePartitionLeaderElection: the first live ISR member in assignment order.
    for (int32_t r : replicas) {
      if (alive(r) && contains(cur.isr, r)) {
        next.leader = r;
        break;
      }
    }
    if (next.leader != -1) {
      next.isr.clear();
      for (int32_t r : cur.isr) {
        if (alive(r)) next.isr.push_back(r);
      }
    } else {
      int32_t unclean = -1;
      for (int32_t r : replicas) {
        if (alive(r)) {
          unclean = r;
          break;
        }
      }
      if (unclean != -1 && unclean_allowed(tp.first)) {
        spdlog::warn("[Controller id={}] Unclean leader election: {} becomes leader of {} from "
                     "outside the ISR [{}]; data may be lost",
                     options_.broker_id, unclean, describe(tp), fmt::join(cur.isr, ","));
        next.leader = unclean;
        next.isr = {unclean};
      } else {
        // No leader: the dead replicas leave the ISR, except the last one (so the partition
        // can come back with the replica that had everything).
        next.isr.clear();
        for (int32_t r : cur.isr) {
          if (alive(r)) next.isr.push_back(r);
        }
        if (next.isr.empty() && !cur.isr.empty()) next.isr = {cur.isr.back()};
        if (cur.leader == -1 && next.isr == cur.isr) continue;  // already offline
        spdlog::error("[Controller id={}] No live replica in the ISR [{}] of {} (unclean leader "
                      "election is disabled): the partition is offline",
                      options_.broker_id, fmt::join(cur.isr, ","), describe(tp));
      }
    }
    ++next.leader_epoch;
    if (write_state(tp, next)) changed.push_back(tp);
  }
  return changed;
}

bool Controller::write_state(const TopicPartition& tp, LeaderIsrAndEpoch next) {
  next.controller_epoch = epoch_;
  const int32_t version = states_[tp].zk_version;
  ZkCode rc = checked_multi({ZkOp::set(partition_state_path(tp.first, tp.second),
                                       encode_partition_state(next), version)});
  if (!zk_ok(rc)) {
    if (active_) {
      spdlog::warn("[Controller id={}] cannot update the state of {}: {}", options_.broker_id,
                   describe(tp), zk_code_name(rc));
    }
    return false;
  }
  next.zk_version = version + 1;
  states_[tp] = next;
  return true;
}

void Controller::rebalance_preferred_leaders() {
  if (!active_) return;
  // KafkaController.checkAndTriggerAutoLeaderRebalance.
  std::map<int32_t, std::vector<TopicPartition>> imbalanced;
  std::map<int32_t, size_t> preferred_total;
  for (const auto& [tp, s] : states_) {
    if (deleting_.count(tp.first)) continue;
    const auto& replicas = topics_[tp.first].assignment[tp.second];
    if (replicas.empty()) continue;
    ++preferred_total[replicas.front()];
    if (s.leader != replicas.front()) imbalanced[replicas.front()].push_back(tp);
  }
  std::vector<TopicPartition> changed;
  for (const auto& [broker, tps] : imbalanced) {
    double ratio = static_cast<double>(tps.size()) / static_cast<double>(preferred_total[broker]);
    if (ratio * 100 <= options_.leader_imbalance_per_broker_percentage || !alive(broker)) continue;
    for (const auto& tp : tps) {
      LeaderIsrAndEpoch next = states_[tp];
      if (!contains(next.isr, broker)) continue;
      next.leader = broker;
      ++next.leader_epoch;
      if (write_state(tp, next)) changed.push_back(tp);
    }
  }
  if (changed.empty()) return;
  spdlog::info("[Controller id={}] Preferred leader election moved {} partitions",
               options_.broker_id, changed.size());
  send_leader_and_isr(changed);
  send_update_metadata(live_ids(), changed);
}

// --- requests from brokers ---

void Controller::alter_partition(msg::AlterPartitionRequest request, int16_t version,
                                 std::function<void(msg::AlterPartitionResponse)> done) {
  zk_.post([this, request = std::move(request), version, done = std::move(done)] {
    msg::AlterPartitionResponse resp;
    auto top_error = [&](ErrorCode code) {
      resp.error_code = static_cast<int16_t>(code);
      done(std::move(resp));
    };
    if (!active_) return top_error(ErrorCode::kNotController);
    auto broker = live_.find(request.broker_id);
    if (broker == live_.end() || broker->second.epoch != request.broker_epoch) {
      return top_error(ErrorCode::kStaleBrokerEpoch);
    }
    std::vector<TopicPartition> updated;
    for (const auto& topic : request.topics) {
      std::string name = topic.topic_name;
      if (version > 1) {
        name.clear();
        for (const auto& [n, t] : topics_) {
          if (t.id == topic.topic_id) name = n;
        }
      }
      msg::AlterPartitionResponse::TopicData out;
      out.topic_name = topic.topic_name;
      out.topic_id = topic.topic_id;
      for (const auto& p : topic.partitions) {
        msg::AlterPartitionResponse::PartitionData r;
        r.partition_index = p.partition_index;
        auto fail = [&](ErrorCode code) { r.error_code = static_cast<int16_t>(code); };
        std::vector<int32_t> isr;
        if (version >= 3) {
          for (const auto& b : p.new_isr_with_epochs) isr.push_back(b.broker_id);
        } else {
          isr = p.new_isr;
        }
        auto it = name.empty() ? states_.end() : states_.find({name, p.partition_index});
        if (name.empty()) {
          fail(ErrorCode::kUnknownTopicId);
        } else if (it == states_.end()) {
          fail(ErrorCode::kUnknownTopicOrPartition);
        } else {
          LeaderIsrAndEpoch& cur = it->second;
          bool ineligible = false;
          // KIP-841: a broker that is shutting down cannot join an ISR (Kafka's controller
          // compares with liveBrokerIds, which leaves shutting-down brokers out).
          for (int32_t b : isr) ineligible |= !alive(b);
          if (p.partition_epoch > cur.zk_version || p.leader_epoch > cur.leader_epoch) {
            fail(ErrorCode::kNotController);
          } else if (p.leader_epoch < cur.leader_epoch) {
            fail(ErrorCode::kFencedLeaderEpoch);
          } else if (request.broker_id == cur.leader && isr == cur.isr &&
                     p.leader_recovery_state == cur.leader_recovery_state) {
            // Already in the desired state: answer it (idempotent retries).
          } else if (p.partition_epoch < cur.zk_version) {
            fail(ErrorCode::kInvalidUpdateVersion);
          } else if (ineligible) {
            fail(version > 1 ? ErrorCode::kIneligibleReplica : ErrorCode::kOperationNotAttempted);
          } else {
            LeaderIsrAndEpoch next = cur;
            next.isr = isr;
            next.leader_recovery_state = p.leader_recovery_state;
            // As KafkaController.processAlterPartition: the state carries this controller's
            // epoch, not the one of the controller that wrote it before.
            next.controller_epoch = epoch_;
            if (write_state({name, p.partition_index}, next)) {
              spdlog::info("[Controller id={}] ISR of {}-{} is now [{}] (AlterPartition from {})",
                           options_.broker_id, name, p.partition_index, fmt::join(isr, ","),
                           request.broker_id);
              updated.push_back({name, p.partition_index});
            } else {
              fail(active_ ? ErrorCode::kInvalidUpdateVersion : ErrorCode::kNotController);
            }
          }
          if (r.error_code == 0) {
            const LeaderIsrAndEpoch& s = states_[{name, p.partition_index}];
            r.leader_id = s.leader;
            r.leader_epoch = s.leader_epoch;
            r.isr = s.isr;
            r.leader_recovery_state = static_cast<int8_t>(s.leader_recovery_state);
            r.partition_epoch = s.zk_version;
          }
        }
        out.partitions.push_back(std::move(r));
      }
      resp.topics.push_back(std::move(out));
    }
    done(std::move(resp));
    if (!updated.empty()) send_update_metadata(live_ids(), updated);
  });
}

void Controller::controlled_shutdown(int32_t broker_id, int64_t broker_epoch,
                                     std::function<void(msg::ControlledShutdownResponse)> done) {
  zk_.post([this, broker_id, broker_epoch, done = std::move(done)] {
    msg::ControlledShutdownResponse resp;
    if (!active_) {
      resp.error_code = static_cast<int16_t>(ErrorCode::kNotController);
      return done(std::move(resp));
    }
    auto b = live_.find(broker_id);
    if (b == live_.end()) {
      resp.error_code = static_cast<int16_t>(ErrorCode::kBrokerNotAvailable);
      return done(std::move(resp));
    }
    if (broker_epoch != -1 && broker_epoch < b->second.epoch) {
      resp.error_code = static_cast<int16_t>(ErrorCode::kStaleBrokerEpoch);
      return done(std::move(resp));
    }
    spdlog::info("[Controller id={}] Shutting down broker {}", options_.broker_id, broker_id);
    shutting_down_.insert(broker_id);
    std::vector<TopicPartition> changed, followed;
    for (auto& [tp, s] : states_) {
      if (deleting_.count(tp.first)) continue;
      const auto& replicas = topics_[tp.first].assignment[tp.second];
      if (!contains(replicas, broker_id) || replicas.size() < 2) continue;
      LeaderIsrAndEpoch next = s;
      if (s.leader == broker_id) {
        // ControlledShutdownPartitionLeaderElection: a live ISR member that is not leaving.
        next.leader = -1;
        for (int32_t r : replicas) {
          if (alive(r) && contains(s.isr, r)) {
            next.leader = r;
            break;
          }
        }
        if (next.leader == -1) continue;  // stays; reported as remaining
        next.isr.clear();
        for (int32_t r : s.isr) {
          if (!shutting_down_.count(r)) next.isr.push_back(r);
        }
      } else {
        // Its followers stop (StopReplica without deletion) and leave the ISR (OfflineReplica).
        followed.push_back(tp);
        if (!contains(s.isr, broker_id) || s.isr.size() == 1) continue;
        next.isr.erase(std::remove(next.isr.begin(), next.isr.end(), broker_id), next.isr.end());
      }
      ++next.leader_epoch;
      if (write_state(tp, next)) changed.push_back(tp);
    }
    for (const auto& [tp, s] : states_) {
      const auto& replicas = topics_[tp.first].assignment[tp.second];
      if (s.leader == broker_id && replicas.size() > 1) {
        msg::ControlledShutdownResponse::RemainingPartition r;
        r.topic_name = tp.first;
        r.partition_index = tp.second;
        resp.remaining_partitions.push_back(std::move(r));
      }
    }
    done(std::move(resp));
    if (!changed.empty()) {
      send_leader_and_isr(changed);
      send_update_metadata(live_ids(), changed);
    }
    if (!followed.empty()) send_stop_replica(broker_id, followed, false, [] {});
  });
}

// --- requests to brokers ---

std::vector<int32_t> Controller::live_ids() const {
  std::vector<int32_t> ids;
  for (const auto& [id, _] : live_) ids.push_back(id);
  return ids;
}

void Controller::connect_broker(const LiveBroker& b) {
  const BrokerEndpoint* endpoint = nullptr;
  for (const auto& e : b.info.endpoints) {
    if (e.listener == options_.inter_broker_listener) endpoint = &e;
  }
  if (endpoint == nullptr && !b.info.endpoints.empty()) endpoint = &b.info.endpoints.front();
  if (endpoint == nullptr) return;
  channel_->add_broker(b.info.id, endpoint->host, static_cast<uint16_t>(endpoint->port));
}

void Controller::send_leader_and_isr(const std::vector<TopicPartition>& partitions) {
  std::map<int32_t, msg::LeaderAndIsrRequest> requests;
  std::map<int32_t, std::set<int32_t>> leaders_for;
  for (const auto& tp : partitions) {
    auto s = states_.find(tp);
    if (s == states_.end()) continue;
    const Topic& topic = topics_[tp.first];
    const auto& replicas = topic.assignment.at(tp.second);
    for (int32_t r : replicas) {
      // Kafka leaves shutting-down brokers out of the recipients (isReplicaOnline without
      // them): a broker in controlled shutdown is not made a follower that would fetch again.
      if (!alive(r)) continue;
      auto& ps = add_partition_state(requests[r], tp, topic.id, s->second, replicas);
      ps.partition_epoch = s->second.zk_version;
      ps.is_new = s->second.leader_epoch == 0 && s->second.zk_version == 0;
      ps.leader_recovery_state = static_cast<int8_t>(s->second.leader_recovery_state);
      if (s->second.leader >= 0) leaders_for[r].insert(s->second.leader);
    }
  }
  for (auto& [broker, req] : requests) {
    req.controller_id = options_.broker_id;
    req.controller_epoch = epoch_;
    req.broker_epoch = live_.at(broker).epoch;
    for (int32_t leader : leaders_for[broker]) {
      auto l = live_.find(leader);
      if (l == live_.end()) continue;
      msg::LeaderAndIsrRequest::LeaderAndIsrLiveLeader ll;
      ll.broker_id = leader;
      for (const auto& e : l->second.info.endpoints) {
        if (e.listener == options_.inter_broker_listener || ll.host_name.empty()) {
          ll.host_name = e.host;
          ll.port = e.port;
        }
      }
      req.live_leaders.push_back(std::move(ll));
    }
    channel_->send<msg::LeaderAndIsrResponse>(
        broker, req, kLeaderAndIsrVersion,
        [id = options_.broker_id, broker](std::error_code ec, msg::LeaderAndIsrResponse r) {
          if (ec || r.error_code != 0) {
            spdlog::warn("[Controller id={}] LeaderAndIsr to broker {} failed: {}", id, broker,
                         ec ? ec.message() : std::string(error_name(static_cast<ErrorCode>(r.error_code))));
          }
        });
  }
}

void Controller::send_update_metadata(const std::vector<int32_t>& brokers,
                                      const std::vector<TopicPartition>& partitions) {
  msg::UpdateMetadataRequest req;
  req.controller_id = options_.broker_id;
  req.controller_epoch = epoch_;
  for (const auto& [id, b] : live_) {
    msg::UpdateMetadataRequest::UpdateMetadataBroker ub;
    ub.id = id;
    for (const auto& e : b.info.endpoints) {
      msg::UpdateMetadataRequest::UpdateMetadataEndpoint ue;
      ue.port = e.port;
      ue.host = e.host;
      ue.listener = e.listener;
      ue.security_protocol = security_protocol_id(e.security_protocol);
      ub.endpoints.push_back(std::move(ue));
    }
    if (b.info.rack) {
      ub.rack = b.info.rack;
    } else {
      ub.rack = std::nullopt;
    }
    req.live_brokers.push_back(std::move(ub));
  }
  for (const auto& tp : partitions) {
    auto s = states_.find(tp);
    if (s == states_.end()) continue;
    const Topic& topic = topics_[tp.first];
    const auto& replicas = topic.assignment.at(tp.second);
    auto& ps = add_partition_state(req, tp, topic.id, s->second, replicas);
    ps.zk_version = s->second.zk_version;
    for (int32_t r : replicas) {
      if (!live_.count(r)) ps.offline_replicas.push_back(r);
    }
  }
  for (int32_t broker : brokers) {
    auto b = live_.find(broker);
    if (b == live_.end()) continue;
    req.broker_epoch = b->second.epoch;
    channel_->send<msg::UpdateMetadataResponse>(
        broker, req, kUpdateMetadataVersion,
        [id = options_.broker_id, broker](std::error_code ec, msg::UpdateMetadataResponse r) {
          if (ec || r.error_code != 0) {
            spdlog::warn("[Controller id={}] UpdateMetadata to broker {} failed: {}", id, broker,
                         ec ? ec.message() : std::string(error_name(static_cast<ErrorCode>(r.error_code))));
          }
        });
  }
}

void Controller::send_update_metadata_all() {
  std::vector<TopicPartition> all;
  for (const auto& [tp, _] : states_) all.push_back(tp);
  send_update_metadata(live_ids(), all);
}

void Controller::send_stop_replica(int32_t broker, const std::vector<TopicPartition>& partitions,
                                   bool delete_partitions, std::function<void()> done) {
  msg::StopReplicaRequest req;
  req.controller_id = options_.broker_id;
  req.controller_epoch = epoch_;
  req.broker_epoch = live_.count(broker) ? live_.at(broker).epoch : -1;
  for (const auto& tp : partitions) {
    if (req.topic_states.empty() || req.topic_states.back().topic_name != tp.first) {
      msg::StopReplicaRequest::StopReplicaTopicState ts;
      ts.topic_name = tp.first;
      req.topic_states.push_back(std::move(ts));
    }
    decltype(req.topic_states.back().partition_states)::value_type ps;
    ps.partition_index = tp.second;
    auto s = states_.find(tp);
    ps.leader_epoch = delete_partitions ? kEpochDuringDelete
                                        : (s != states_.end() ? s->second.leader_epoch : -1);
    ps.delete_partition = delete_partitions;
    req.topic_states.back().partition_states.push_back(std::move(ps));
  }
  channel_->send<msg::StopReplicaResponse>(
      broker, req, kStopReplicaVersion,
      [this, broker, done = std::move(done)](std::error_code ec, msg::StopReplicaResponse r) {
        if (ec || r.error_code != 0) {
          spdlog::warn("[Controller id={}] StopReplica to broker {} failed: {}",
                       options_.broker_id, broker,
                       ec ? ec.message() : std::string(error_name(static_cast<ErrorCode>(r.error_code))));
        }
        zk_.post(done);
      });
}

}  // namespace fjord::zk
