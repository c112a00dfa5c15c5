#include "zk/zookeeper_client.h"

#include <spdlog/spdlog.h>
#include <zookeeper/zookeeper.h>

#include <array>
#include <chrono>
#include <cstring>

namespace fjord::zk {
namespace {

// Events of an old handle (before a session was re-created) are dropped: the context of every
// handle names its generation.
struct SessionContext {
  ZooKeeperClient* client;
  uint64_t generation;
};

int create_flags(CreateMode mode) {
  switch (mode) {
    case CreateMode::kPersistent: return ZOO_PERSISTENT;
    case CreateMode::kEphemeral: return ZOO_EPHEMERAL;
    case CreateMode::kPersistentSequential: return ZOO_PERSISTENT_SEQUENTIAL;
    case CreateMode::kEphemeralSequential: return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

ZkStat convert(const Stat& s) {
  return {s.version, s.cversion,   s.ephemeralOwner, s.ctime, s.mtime,
          s.czxid,   s.numChildren, s.mzxid,          s.pzxid};
}

void log_callback(const char* message) { spdlog::debug("[ZooKeeperClient] {}", message); }

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace

const char* zk_code_name(ZkCode code) { return zerror(static_cast<int>(code)); }

std::optional<ConnectString> parse_connect_string(const std::string& connect) {
  ConnectString cs;
  size_t slash = connect.find('/');
  cs.hosts = connect.substr(0, slash);
  if (cs.hosts.empty()) return std::nullopt;
  if (slash != std::string::npos) {
    cs.chroot = connect.substr(slash);
    while (cs.chroot.size() > 1 && cs.chroot.back() == '/') cs.chroot.pop_back();
    if (cs.chroot == "/") cs.chroot.clear();
    if (cs.chroot.find("//") != std::string::npos) return std::nullopt;
  }
  return cs;
}

ZooKeeperClient::ZooKeeperClient(ZooKeeperClientOptions options) : options_(std::move(options)) {}

std::unique_ptr<ZooKeeperClient> ZooKeeperClient::connect(const ZooKeeperClientOptions& options,
                                                          std::string* error) {
  auto cs = parse_connect_string(options.connect);
  if (!cs) {
    *error = "zookeeper.connect '" + options.connect + "' is not host:port[,host:port...][/chroot]";
    return nullptr;
  }
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  std::unique_ptr<ZooKeeperClient> client(new ZooKeeperClient(options));
  client->worker_ = std::thread([c = client.get()] { c->run_worker(); });
  client->worker_id_ = client->worker_.get_id();
  if (!cs->chroot.empty()) {
    // Kafka creates the chroot through a session without it, then reconnects under it.
    if (!client->open_session(cs->hosts, options.connection_timeout_ms, error)) return nullptr;
    ZkCode rc = client->create_recursive(cs->chroot);
    if (!zk_ok(rc)) {
      *error = "cannot create the chroot " + cs->chroot + " in ZooKeeper: " + zk_code_name(rc);
      return nullptr;
    }
  }
  client->chroot_ = cs->chroot;
  client->hosts_ = cs->hosts + cs->chroot;
  if (!client->open_session(client->hosts_, options.connection_timeout_ms, error)) return nullptr;
  spdlog::info("[ZooKeeperClient] connected to {} (session 0x{:x}, timeout {} ms)",
               options.connect, client->session_id(), options.session_timeout_ms);
  return client;
}

bool ZooKeeperClient::open_session(const std::string& hosts, int timeout_ms, std::string* error) {
  _zhandle* old = nullptr;
  uint64_t generation;
  {
    std::unique_lock lock(handle_mu_);
    old = zh_;
    zh_ = nullptr;
  }
  if (old != nullptr) zookeeper_close(old);
  {
    std::lock_guard lock(state_mu_);
    generation = ++generation_;
    state_ = 0;
    expired_ = false;
  }
  // Kept for the life of the process (a few bytes per session): a handle's context must
  // outlive every event the C client may still deliver for it.
  static std::mutex contexts_mu;
  static std::vector<std::unique_ptr<SessionContext>> contexts;
  SessionContext* ctx;
  {
    std::lock_guard lock(contexts_mu);
    contexts.push_back(std::make_unique<SessionContext>(SessionContext{this, generation}));
    ctx = contexts.back().get();
  }
  _zhandle* zh = zookeeper_init(hosts.c_str(), &ZooKeeperClient::global_watcher,
                                options_.session_timeout_ms, nullptr, ctx, 0);
  if (zh == nullptr) {
    *error = "cannot create a ZooKeeper handle for " + hosts + ": " + std::strerror(errno);
    return false;
  }
  zoo_set_log_callback(zh, &log_callback);
  {
    std::unique_lock lock(handle_mu_);
    zh_ = zh;
  }
  std::unique_lock lock(state_mu_);
  bool up = state_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    return stopping_ || generation_ != generation || state_ == ZOO_CONNECTED_STATE || expired_;
  });
  if (!up || state_ != ZOO_CONNECTED_STATE) {
    *error = "Timed out waiting for connection to ZooKeeper at " + hosts + " (" +
             std::to_string(timeout_ms) + " ms, zookeeper.connection.timeout.ms)";
    lock.unlock();
    std::unique_lock hl(handle_mu_);
    if (zh_ == zh) zh_ = nullptr;
    hl.unlock();
    zookeeper_close(zh);
    return false;
  }
  return true;
}

ZooKeeperClient::~ZooKeeperClient() { close(); }

void ZooKeeperClient::close() {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  {
    std::lock_guard lock(state_mu_);
    ++generation_;  // drop whatever the old handle still reports
  }
  state_cv_.notify_all();
  queue_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  _zhandle* zh;
  {
    std::unique_lock lock(handle_mu_);
    zh = zh_;
    zh_ = nullptr;
  }
  if (zh != nullptr) zookeeper_close(zh);
}

void ZooKeeperClient::global_watcher(_zhandle*, int type, int state, const char* path,
                                     void* ctx) {
  auto* session = static_cast<SessionContext*>(ctx);
  {
    std::lock_guard lock(session->client->state_mu_);
    if (session->generation != session->client->generation_) return;
  }
  session->client->handle_event(type, state, path ? path : "");
}

void ZooKeeperClient::handle_event(int type, int state, std::string path) {
  if (type == ZOO_SESSION_EVENT) {
    bool expired = false;
    {
      std::lock_guard lock(state_mu_);
      state_ = state;
      if (state == ZOO_EXPIRED_SESSION_STATE && !expired_) expired_ = expired = true;
    }
    state_cv_.notify_all();
    if (expired) {
      spdlog::warn("[ZooKeeperClient] session expired; opening a new session");
      post([this] { recreate_session(); });
    }
    return;
  }
  ZkEvent event;
  if (type == ZOO_CREATED_EVENT) {
    event = ZkEvent::kCreated;
  } else if (type == ZOO_DELETED_EVENT) {
    event = ZkEvent::kDeleted;
  } else if (type == ZOO_CHANGED_EVENT) {
    event = ZkEvent::kDataChanged;
  } else if (type == ZOO_CHILD_EVENT) {
    event = ZkEvent::kChildrenChanged;
  } else {
    return;
  }
  post([this, event, path = std::move(path)] {
    std::vector<Handler> handlers;
    {
      std::lock_guard lock(hook_mu_);
      auto& table = event == ZkEvent::kChildrenChanged ? child_handlers_ : change_handlers_;
      auto it = table.find(path);
      if (it != table.end()) {
        for (const auto& [_, h] : it->second) handlers.push_back(h);
      }
    }
    for (auto& h : handlers) h(event, path);
  });
}

void ZooKeeperClient::recreate_session() {
  Hooks expired, fresh;
  {
    std::lock_guard lock(hook_mu_);
    expired = expired_hooks_;
    fresh = new_session_hooks_;
  }
  for (auto& [_, hook] : expired) hook();
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) return;
    }
    std::string error;
    if (open_session(hosts_, options_.connection_timeout_ms, &error)) break;
    spdlog::warn("[ZooKeeperClient] {}; retrying", error);
    std::unique_lock lock(queue_mu_);
    queue_cv_.wait_for(lock, backoff, [&] { return stopping_.load(); });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
  spdlog::info("[ZooKeeperClient] new session 0x{:x}", session_id());
  for (auto& [_, hook] : fresh) hook();
}

void ZooKeeperClient::post(std::function<void()> fn) {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return;
    queue_.push_back(std::move(fn));
  }
  queue_cv_.notify_one();
}

void ZooKeeperClient::drain() {
  if (std::this_thread::get_id() == worker_id_) return;
  bool ran = false;
  std::unique_lock lock(queue_mu_);
  if (stopping_ || worker_done_) {
    // close() is stopping the worker: wait until it has left its last task.
    drain_cv_.wait(lock, [&] { return worker_done_; });
    return;
  }
  queue_.push_back([this, &ran] {
    std::lock_guard l(queue_mu_);
    ran = true;
    drain_cv_.notify_all();
  });
  queue_cv_.notify_one();
  drain_cv_.wait(lock, [&] { return ran || worker_done_; });
}

void ZooKeeperClient::run_worker() {
  while (true) {
    std::function<void()> fn;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        worker_done_ = true;
        drain_cv_.notify_all();
        return;
      }
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
  }
}

void ZooKeeperClient::on_change(const std::string& path, Handler handler, const void* owner) {
  std::lock_guard lock(hook_mu_);
  change_handlers_[path][owner] = std::move(handler);
}

void ZooKeeperClient::on_children(const std::string& path, Handler handler, const void* owner) {
  std::lock_guard lock(hook_mu_);
  child_handlers_[path][owner] = std::move(handler);
}

void ZooKeeperClient::remove_handlers(const std::string& path, const void* owner) {
  std::lock_guard lock(hook_mu_);
  for (auto* table : {&change_handlers_, &child_handlers_}) {
    auto it = table->find(path);
    if (it == table->end()) continue;
    it->second.erase(owner);
    if (it->second.empty()) table->erase(it);
  }
}

void ZooKeeperClient::on_session_expired(std::function<void()> hook, const void* owner) {
  std::lock_guard lock(hook_mu_);
  expired_hooks_.emplace_back(owner, std::move(hook));
}

void ZooKeeperClient::on_new_session(std::function<void()> hook, const void* owner) {
  std::lock_guard lock(hook_mu_);
  new_session_hooks_.emplace_back(owner, std::move(hook));
}

void ZooKeeperClient::remove_owner(const void* owner) {
  std::lock_guard lock(hook_mu_);
  for (auto* table : {&change_handlers_, &child_handlers_}) {
    for (auto it = table->begin(); it != table->end();) {
      it->second.erase(owner);
      it = it->second.empty() ? table->erase(it) : std::next(it);
    }
  }
  for (auto* hooks : {&expired_hooks_, &new_session_hooks_}) {
    std::erase_if(*hooks, [owner](const auto& h) { return h.first == owner; });
  }
}

int64_t ZooKeeperClient::session_id() const {
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return 0;
  return zoo_client_id(zh_)->client_id;
}

std::string ZooKeeperClient::session_password() const {
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return {};
  const clientid_t* id = zoo_client_id(zh_);
  return std::string(id->passwd, sizeof id->passwd);
}

bool ZooKeeperClient::connected() const {
  std::shared_lock lock(handle_mu_);
  return zh_ != nullptr && zoo_state(zh_) == ZOO_CONNECTED_STATE;
}

// --- operations ---

ZkCode ZooKeeperClient::create(const std::string& path, const std::string& data, CreateMode mode,
                               std::string* created_path) {
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return ZkCode::kInvalidState;
  char buf[1024];
  // Empty data is written as null, as Kafka's Java client does (zookeeper-shell shows "null").
  int rc = zoo_create(zh_, path.c_str(), data.empty() ? nullptr : data.data(),
                      data.empty() ? -1 : static_cast<int>(data.size()),
                      &ZOO_OPEN_ACL_UNSAFE, create_flags(mode), buf, sizeof buf);
  if (rc == ZOK && created_path) *created_path = buf;
  return static_cast<ZkCode>(rc);
}

ZkCode ZooKeeperClient::get(const std::string& path, std::string* data, ZkStat* stat,
                            bool watch) {
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return ZkCode::kInvalidState;
  std::string buf(16 * 1024, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    Stat s{};
    int len = static_cast<int>(buf.size());
    int rc = zoo_get(zh_, path.c_str(), watch ? 1 : 0, buf.data(), &len, &s);
    if (rc != ZOK) return static_cast<ZkCode>(rc);
    if (s.dataLength > static_cast<int>(buf.size()) && attempt == 0) {
      buf.assign(static_cast<size_t>(s.dataLength), '\0');
      continue;
    }
    buf.resize(len < 0 ? 0 : static_cast<size_t>(len));
    if (data) *data = std::move(buf);
    if (stat) *stat = convert(s);
    return ZkCode::kOk;
  }
  return ZkCode::kBadVersion;  // the data grew between two reads; callers retry
}

ZkCode ZooKeeperClient::exists(const std::string& path, ZkStat* stat, bool watch) {
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return ZkCode::kInvalidState;
  Stat s{};
  int rc = zoo_exists(zh_, path.c_str(), watch ? 1 : 0, &s);
  if (rc == ZOK && stat) *stat = convert(s);
  return static_cast<ZkCode>(rc);
}

ZkCode ZooKeeperClient::get_children(const std::string& path, std::vector<std::string>* children,
                                     bool watch) {
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return ZkCode::kInvalidState;
  String_vector v{};
  int rc = zoo_get_children(zh_, path.c_str(), watch ? 1 : 0, &v);
  if (rc == ZOK) {
    children->clear();
    for (int32_t i = 0; i < v.count; ++i) children->emplace_back(v.data[i]);
    deallocate_String_vector(&v);
  }
  return static_cast<ZkCode>(rc);
}

ZkCode ZooKeeperClient::set(const std::string& path, const std::string& data, int32_t version,
                            ZkStat* stat) {
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return ZkCode::kInvalidState;
  Stat s{};
  int rc = zoo_set2(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), version, &s);
  if (rc == ZOK && stat) *stat = convert(s);
  return static_cast<ZkCode>(rc);
}

ZkCode ZooKeeperClient::remove(const std::string& path, int32_t version) {
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return ZkCode::kInvalidState;
  return static_cast<ZkCode>(zoo_delete(zh_, path.c_str(), version));
}

ZkCode ZooKeeperClient::multi(const std::vector<ZkOp>& ops, int* failed_index) {
  if (failed_index) *failed_index = -1;
  if (ops.empty()) return ZkCode::kOk;
  std::shared_lock lock(handle_mu_);
  if (zh_ == nullptr) return ZkCode::kInvalidState;
  std::vector<zoo_op_t> zops(ops.size());
  std::vector<zoo_op_result_t> results(ops.size());
  std::vector<std::array<char, 512>> paths(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const ZkOp& op = ops[i];
    switch (op.type) {
      case ZkOp::Type::kCreate:
        zoo_create_op_init(&zops[i], op.path.c_str(), op.data.empty() ? nullptr : op.data.data(),
                           op.data.empty() ? -1 : static_cast<int>(op.data.size()),
                           &ZOO_OPEN_ACL_UNSAFE,
                           create_flags(op.mode), paths[i].data(),
                           static_cast<int>(paths[i].size()));
        break;
      case ZkOp::Type::kDelete:
        zoo_delete_op_init(&zops[i], op.path.c_str(), op.version);
        break;
      case ZkOp::Type::kSetData:
        zoo_set_op_init(&zops[i], op.path.c_str(), op.data.data(),
                        static_cast<int>(op.data.size()), op.version, nullptr);
        break;
      case ZkOp::Type::kCheck:
        zoo_check_op_init(&zops[i], op.path.c_str(), op.version);
        break;
    }
  }
  int rc = zoo_multi(zh_, static_cast<int>(zops.size()), zops.data(), results.data());
  if (rc != ZOK && failed_index) {
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].err != ZOK && results[i].err != ZRUNTIMEINCONSISTENCY) {
        *failed_index = static_cast<int>(i);
        break;
      }
    }
  }
  return static_cast<ZkCode>(rc);
}

ZkCode ZooKeeperClient::create_recursive(const std::string& path, const std::string& data) {
  ZkCode rc = create(path, data, CreateMode::kPersistent);
  if (rc == ZkCode::kOk || rc == ZkCode::kNodeExists) return ZkCode::kOk;
  if (rc != ZkCode::kNoNode) return rc;
  std::string parent = parent_of(path);
  if (parent != "/") {
    rc = create_recursive(parent);
    if (!zk_ok(rc)) return rc;
  }
  rc = create(path, data, CreateMode::kPersistent);
  return rc == ZkCode::kNodeExists ? ZkCode::kOk : rc;
}

ZkCode ZooKeeperClient::remove_recursive(const std::string& path) {
  std::vector<std::string> children;
  ZkCode rc = get_children(path, &children);
  if (rc == ZkCode::kNoNode) return ZkCode::kOk;
  if (!zk_ok(rc)) return rc;
  for (const std::string& child : children) {
    rc = remove_recursive(path == "/" ? "/" + child : path + "/" + child);
    if (!zk_ok(rc)) return rc;
  }
  rc = remove(path);
  return rc == ZkCode::kNoNode ? ZkCode::kOk : rc;
}

}  // namespace fjord::zk
