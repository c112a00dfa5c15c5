// ZooKeeperClient is Fjord's one connection to a ZooKeeper ensemble, over the C client
// (libzookeeper-mt), shaped after Kafka's KafkaZkClient/ZooKeeperClient:
//  - zookeeper.connect may carry a chroot ("h1:2181,h2:2181/kafka"); the chroot is created
//    when missing, as Kafka does, and every path below is relative to it.
//  - connect() waits at most zookeeper.connection.timeout.ms for the first session.
//  - Watches are one-shot, registered by reading with watch=true; changes are routed by path to
//    the handlers registered with on_change / on_children (Kafka's ZNodeChangeHandler and
//    ZNodeChildChangeHandler).
//  - When the session expires the client closes the handle, opens a new session (retrying until
//    it succeeds or close()), then runs the on_session_expired hooks and, once the new session
//    is up, the on_new_session hooks (re-registration, re-election, re-reading with watches).
//
// Threads: every operation is synchronous and blocks the calling thread, so it must never be
// called on an event loop; post() runs work on the client's own worker thread, which is also
// where every handler and hook runs (one at a time, in order). The operations themselves are
// thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

struct _zhandle;

namespace fjord::zk {

// ZooKeeper result codes (the C client's ZOO_ERRORS values that callers branch on).
enum class ZkCode : int {
  kOk = 0,
  kConnectionLoss = -4,
  kOperationTimeout = -7,
  kNoNode = -101,
  kBadVersion = -103,
  kNodeExists = -110,
  kNotEmpty = -111,
  kSessionExpired = -112,
  kInvalidState = -9,
};
const char* zk_code_name(ZkCode code);
inline bool zk_ok(ZkCode c) { return c == ZkCode::kOk; }

struct ZkStat {
  int32_t version = -1;   // data version (the zkVersion Kafka guards writes with)
  int32_t cversion = -1;  // children version (/brokers/seqid's id generator reads version)
  int64_t ephemeral_owner = 0;
  int64_t ctime = 0;
  int64_t mtime = 0;
  int64_t czxid = 0;
  int32_t num_children = 0;
  int64_t mzxid = 0;  // the last data change
  int64_t pzxid = 0;  // the last change to the children
};

enum class CreateMode { kPersistent, kEphemeral, kPersistentSequential, kEphemeralSequential };

// One operation of a multi(): Kafka's controller writes are multis that start with a check of
// /controller_epoch's version.
struct ZkOp {
  enum class Type { kCreate, kDelete, kSetData, kCheck } type;
  std::string path;
  std::string data;
  int32_t version = -1;  // -1: any version
  CreateMode mode = CreateMode::kPersistent;

  static ZkOp create(std::string path, std::string data, CreateMode mode = CreateMode::kPersistent) {
    return {Type::kCreate, std::move(path), std::move(data), -1, mode};
  }
  static ZkOp remove(std::string path, int32_t version = -1) {
    return {Type::kDelete, std::move(path), {}, version, CreateMode::kPersistent};
  }
  static ZkOp set(std::string path, std::string data, int32_t version = -1) {
    return {Type::kSetData, std::move(path), std::move(data), version, CreateMode::kPersistent};
  }
  static ZkOp check(std::string path, int32_t version) {
    return {Type::kCheck, std::move(path), {}, version, CreateMode::kPersistent};
  }
};

struct ZooKeeperClientOptions {
  std::string connect;            // zookeeper.connect, with an optional chroot
  int session_timeout_ms = 18000;     // zookeeper.session.timeout.ms
  int connection_timeout_ms = 18000;  // zookeeper.connection.timeout.ms (default: session)
};

// The watched event kinds, as the C client reports them.
enum class ZkEvent { kCreated, kDeleted, kDataChanged, kChildrenChanged };

class ZooKeeperClient {
 public:
  // Connects (creating the chroot if missing). nullptr with *error when no session was
  // established within the connection timeout or the connect string is malformed.
  static std::unique_ptr<ZooKeeperClient> connect(const ZooKeeperClientOptions& options,
                                                  std::string* error);
  ~ZooKeeperClient();
  ZooKeeperClient(const ZooKeeperClient&) = delete;
  ZooKeeperClient& operator=(const ZooKeeperClient&) = delete;

  // Closes the session (ephemeral znodes vanish at once) and stops the worker thread.
  void close();

  // --- operations (blocking; never on an event loop) ---
  ZkCode create(const std::string& path, const std::string& data, CreateMode mode,
                std::string* created_path = nullptr);
  // watch=true leaves a data watch (change/delete, or create when kNoNode via exists).
  ZkCode get(const std::string& path, std::string* data, ZkStat* stat = nullptr,
             bool watch = false);
  ZkCode exists(const std::string& path, ZkStat* stat = nullptr, bool watch = false);
  ZkCode get_children(const std::string& path, std::vector<std::string>* children,
                      bool watch = false);
  ZkCode set(const std::string& path, const std::string& data, int32_t version = -1,
             ZkStat* stat = nullptr);
  ZkCode remove(const std::string& path, int32_t version = -1);
  // Atomic: all succeed or none. *failed_index (if given) is the first failing op, or -1.
  ZkCode multi(const std::vector<ZkOp>& ops, int* failed_index = nullptr);

  // Creates path and its missing parents (persistent, empty data); kOk if it exists already.
  ZkCode create_recursive(const std::string& path, const std::string& data = {});
  // Deletes path and everything under it; kOk if it does not exist.
  ZkCode remove_recursive(const std::string& path);

  // --- watches and session hooks (run on the worker thread) ---
  // Several owners (the metadata store, the controller) may follow one path: each registers
  // its handler under its own owner key, and every one of them runs on an event.
  using Handler = std::function<void(ZkEvent, const std::string& path)>;
  void on_change(const std::string& path, Handler handler,
                 const void* owner = nullptr);  // data changed / created / deleted
  void on_children(const std::string& path, Handler handler,
                   const void* owner = nullptr);  // child list changed
  void remove_handlers(const std::string& path, const void* owner = nullptr);
  void on_session_expired(std::function<void()> hook, const void* owner = nullptr);
  void on_new_session(std::function<void()> hook, const void* owner = nullptr);
  // Removes every handler and session hook registered under owner, on any path. An event
  // already being dispatched may still be running one of them: drain() waits for it.
  void remove_owner(const void* owner);

  // Runs fn on the worker thread (the way event loops hand ZooKeeper work off).
  void post(std::function<void()> fn);
  // Returns once everything on the worker when it was called (the running handler, hook or
  // task, and everything queued) has run; at once when the worker has stopped, or when called
  // on the worker itself (which cannot wait for its own queue). An owner that goes while the
  // client lives on calls remove_owner(this), then drain(), so no handler of its runs on freed
  // memory. It may wait as long as the running task: a session being re-created, for one.
  void drain();

  int64_t session_id() const;
  // The session id and password, so a test can expire the session the classic way (a second
  // handle on the same session, then closed).
  std::string session_password() const;
  bool connected() const;
  const std::string& chroot() const { return chroot_; }

 private:
  explicit ZooKeeperClient(ZooKeeperClientOptions options);
  bool open_session(const std::string& hosts, int timeout_ms, std::string* error);
  static void global_watcher(_zhandle* zh, int type, int state, const char* path, void* ctx);
  void handle_event(int type, int state, std::string path);
  void recreate_session();
  void run_worker();

  ZooKeeperClientOptions options_;
  std::string hosts_;   // connect string with the chroot
  std::string chroot_;  // "" or "/kafka"

  mutable std::shared_mutex handle_mu_;  // shared: an operation; unique: swapping the handle
  _zhandle* zh_ = nullptr;

  std::mutex state_mu_;
  std::condition_variable state_cv_;
  int state_ = 0;
  bool expired_ = false;
  uint64_t generation_ = 0;  // which handle the events belong to

  std::mutex hook_mu_;
  std::map<std::string, std::map<const void*, Handler>> change_handlers_;
  std::map<std::string, std::map<const void*, Handler>> child_handlers_;
  using Hooks = std::vector<std::pair<const void*, std::function<void()>>>;  // owner, hook
  Hooks expired_hooks_;
  Hooks new_session_hooks_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::function<void()>> queue_;
  std::atomic<bool> stopping_{false};
  bool worker_done_ = false;           // under queue_mu_: run_worker returned
  std::condition_variable drain_cv_;   // drain(): a marker ran, or the worker returned
  std::thread worker_;
  std::thread::id worker_id_;  // set once at connect (worker_ itself changes when joined)
};

// "a:1,b:2/kafka/x" -> hosts "a:1,b:2", chroot "/kafka/x". nullopt if the chroot is malformed.
struct ConnectString {
  std::string hosts;
  std::string chroot;
};
std::optional<ConnectString> parse_connect_string(const std::string& connect);

}  // namespace fjord::zk
