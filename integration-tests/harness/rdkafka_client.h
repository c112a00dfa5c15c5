// Thin librdkafka (C API) helpers for tests that produce and consume through a broker as a
// librdkafka application does: a producer that records every delivery report by message
// number, a consumer that reads given partitions (no group) from the beginning, and topic
// creation through the Admin API. Configuration errors and client failures throw HarnessError.
// Not thread-safe; a Producer's callbacks run on the thread that polls or flushes it.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fjord::itest {

using namespace std::chrono_literals;

using RdKafkaConfig = std::map<std::string, std::string>;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdKafkaHandle = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

// The delivery report of one message.
struct Delivery {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  int32_t partition = -1;
  int64_t offset = -1;  // -1 (RD_KAFKA_OFFSET_INVALID) with acks=0
};

class Producer {
 public:
  // bootstrap.servers plus `config` (librdkafka property names).
  Producer(const std::string& bootstrap, const RdKafkaConfig& config);
  ~Producer();

  // Produces message number `seq` (its delivery lands in deliveries()[seq]); partition -1 lets
  // the client's partitioner choose by key. Serves delivery reports while the queue is full.
  void produce(const std::string& topic, int32_t partition, std::string_view key,
               std::string_view value, int64_t timestamp_ms, const Headers& headers, size_t seq);
  // Waits for every outstanding delivery report; false if some are still missing at timeout.
  bool flush(std::chrono::milliseconds timeout = 120s);
  // Serves delivery reports that are ready.
  void poll() { rd_kafka_poll(rk_.get(), 0); }

  // Indexed by message number; nullopt until its report arrives.
  const std::vector<std::optional<Delivery>>& deliveries() const { return deliveries_; }
  // Thread-safe: another thread may watch progress while one produces.
  size_t delivered_ok() const { return delivered_ok_; }
  // True if librdkafka logged a line containing `text` (log lines are kept, any level).
  bool logged(std::string_view text);
  // The last `n` lines librdkafka logged, one per line (for failure messages).
  std::string log_tail(size_t n);
  // First fatal error reported to error_cb ("" if none).
  std::string fatal_error();
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);
  static void on_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  RdKafkaHandle rk_;
  std::vector<std::optional<Delivery>> deliveries_;
  std::atomic<size_t> delivered_ok_ = 0;
  std::mutex log_mu_;  // log and error callbacks run on librdkafka's threads
  std::vector<std::string> log_lines_;
  std::string fatal_error_;
};

struct ConsumedMessage {
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = -1;
  rd_kafka_timestamp_type_t timestamp_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  Headers headers;
};

// Reads partitions 0..partitions-1 of `topic` from the beginning (simple consumer, no group) until
// `expected` messages arrived or `timeout` passed (then returns what it has, so the caller can
// report what is missing). Keeps reading for `linger` after the last expected message to catch
// duplicates. Messages of one partition are in the order the broker returned them.
std::vector<ConsumedMessage> consume_from_beginning(const std::string& bootstrap,
                                                    const std::string& topic, int32_t partitions,
                                                    size_t expected,
                                                    std::chrono::milliseconds timeout = 120s,
                                                    std::chrono::milliseconds linger = 0ms,
                                                    const RdKafkaConfig& config = {});

// Creates a topic with the Admin API (replication factor 1 unless told) and returns once the
// leader of every partition answers ListOffsets for it. Throws HarnessError on failure.
void create_topic(const std::string& bootstrap, const std::string& topic, int32_t partitions,
                  const RdKafkaConfig& topic_config = {}, int32_t replication_factor = 1);
// The same with an explicit replica assignment: assignment[p] lists partition p's replicas,
// preferred leader first.
void create_topic(const std::string& bootstrap, const std::string& topic,
                  const std::vector<std::vector<int32_t>>& assignment,
                  const RdKafkaConfig& topic_config = {});

}  // namespace fjord::itest
