#include "integration-tests/harness/rdkafka_client.h"

#include <cstdlib>

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

rd_kafka_conf_t* make_conf(const std::string& bootstrap, const RdKafkaConfig& config) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw HarnessError("librdkafka config " + k + "=" + v + ": " + err);
    }
  };
  set("bootstrap.servers", bootstrap);
  // FJORD_RDKAFKA_DEBUG=broker,protocol,...: librdkafka's debug log on stderr, by hand.
  if (const char* debug = std::getenv("FJORD_RDKAFKA_DEBUG"); debug != nullptr && *debug) {
    set("debug", debug);
  }
  for (const auto& [k, v] : config) set(k, v);
  return conf;
}

RdKafkaHandle make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw HarnessError(std::string("rd_kafka_new: ") + err);
  }
  return RdKafkaHandle(rk);
}

std::optional<std::string> bytes_of(const void* p, size_t n) {
  if (p == nullptr) return std::nullopt;
  return std::string(static_cast<const char*>(p), n);
}

}  // namespace

Producer::Producer(const std::string& bootstrap, const RdKafkaConfig& config) {
  rd_kafka_conf_t* conf = make_conf(bootstrap, config);
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::on_delivery);
  rd_kafka_conf_set_log_cb(conf, &Producer::on_log);
  rd_kafka_conf_set_error_cb(conf, &Producer::on_error);
  rk_ = make_handle(RD_KAFKA_PRODUCER, conf);
}

Producer::~Producer() {
  // Outstanding messages are dropped, not waited for: the test has already failed or flushed.
  if (rk_) rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  auto seq = reinterpret_cast<uintptr_t>(m->_private);
  if (seq >= self->deliveries_.size()) self->deliveries_.resize(seq + 1);
  self->deliveries_[seq] = Delivery{m->err, m->partition, m->offset};
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++self->delivered_ok_;
}

void Producer::on_log(const rd_kafka_t* rk, int, const char* fac, const char* buf) {
  auto* self = static_cast<Producer*>(rd_kafka_opaque(rk));
  std::lock_guard lock(self->log_mu_);
  self->log_lines_.push_back(std::string(fac) + ": " + buf);
}

void Producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (err != RD_KAFKA_RESP_ERR__FATAL) return;
  char buf[512];
  rd_kafka_fatal_error(rk, buf, sizeof buf);
  std::lock_guard lock(self->log_mu_);
  if (self->fatal_error_.empty()) self->fatal_error_ = std::string(reason) + ": " + buf;
}

bool Producer::logged(std::string_view text) {
  std::lock_guard lock(log_mu_);
  for (const auto& line : log_lines_) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string Producer::log_tail(size_t n) {
  std::lock_guard lock(log_mu_);
  std::string out;
  for (size_t i = log_lines_.size() > n ? log_lines_.size() - n : 0; i < log_lines_.size(); ++i) {
    out += log_lines_[i] + "\n";
  }
  return out;
}

std::string Producer::fatal_error() {
  std::lock_guard lock(log_mu_);
  return fatal_error_;
}

void Producer::produce(const std::string& topic, int32_t partition, std::string_view key,
                       std::string_view value, int64_t timestamp_ms, const Headers& headers,
                       size_t seq) {
  if (seq >= deliveries_.size()) deliveries_.resize(seq + 1);
  while (true) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& [k, v] : headers) {
      rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(seq)), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;  // the headers now belong to the message
    rd_kafka_headers_destroy(hdrs);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      throw HarnessError("rd_kafka_producev: " + std::string(rd_kafka_err2str(err)));
    }
    rd_kafka_poll(rk_.get(), 100);
  }
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count())) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::vector<ConsumedMessage> consume_from_beginning(const std::string& bootstrap,
                                                    const std::string& topic, int32_t partitions,
                                                    size_t expected,
                                                    std::chrono::milliseconds timeout,
                                                    std::chrono::milliseconds linger,
                                                    const RdKafkaConfig& config) {
  // The simple (legacy) consumer API: partitions are started by hand and nothing involves a
  // group, so no group.id and no group coordinator are needed.
  RdKafkaConfig all = {{"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"}};
  for (const auto& [k, v] : config) all[k] = v;
  RdKafkaHandle rk = make_handle(RD_KAFKA_CONSUMER, make_conf(bootstrap, all));
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());
  for (int32_t p = 0; p < partitions; ++p) {
    if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, queue) != 0) {
      std::string reason = rd_kafka_err2str(rd_kafka_last_error());
      rd_kafka_queue_destroy(queue);
      rd_kafka_topic_destroy(rkt);
      throw HarnessError("rd_kafka_consume_start_queue: " + reason);
    }
  }

  std::vector<ConsumedMessage> out;
  out.reserve(expected);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<std::chrono::steady_clock::time_point> linger_until;
  while (std::chrono::steady_clock::now() < deadline &&
         (!linger_until || std::chrono::steady_clock::now() < *linger_until)) {
    rd_kafka_message_t* m = rd_kafka_consume_queue(queue, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ConsumedMessage c;
      c.partition = m->partition;
      c.offset = m->offset;
      c.key = bytes_of(m->key, m->key_len);
      c.value = bytes_of(m->payload, m->len);
      c.timestamp = rd_kafka_message_timestamp(m, &c.timestamp_type);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0;
             rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          c.headers.emplace_back(
              name, value ? std::string(static_cast<const char*>(value), size) : std::string());
        }
      }
      out.push_back(std::move(c));
      if (out.size() >= expected && !linger_until) {
        linger_until = std::chrono::steady_clock::now() + linger;
      }
    }
    rd_kafka_message_destroy(m);
  }
  for (int32_t p = 0; p < partitions; ++p) rd_kafka_consume_stop(rkt, p);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_destroy(rkt);
  return out;
}

namespace {

// With an assignment, replication_factor is -1 (each partition's replicas are given).
void create_topic_with(const std::string& bootstrap, const std::string& topic, int32_t partitions,
                       int32_t replication_factor,
                       const std::vector<std::vector<int32_t>>& assignment,
                       const RdKafkaConfig& topic_config) {
  RdKafkaHandle rk = make_handle(RD_KAFKA_PRODUCER, make_conf(bootstrap, {}));
  char err[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, err, sizeof err);
  if (nt == nullptr) throw HarnessError("rd_kafka_NewTopic_new: " + std::string(err));
  for (size_t p = 0; p < assignment.size(); ++p) {
    std::vector<int32_t> replicas = assignment[p];
    if (rd_kafka_NewTopic_set_replica_assignment(nt, static_cast<int32_t>(p), replicas.data(),
                                                 replicas.size(), err, sizeof err)) {
      rd_kafka_NewTopic_destroy(nt);
      throw HarnessError("rd_kafka_NewTopic_set_replica_assignment: " + std::string(err));
    }
  }
  for (const auto& [k, v] : topic_config) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), &nt, 1, nullptr, q);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60'000);
  std::string failure;
  if (ev == nullptr) {
    failure = "no CreateTopics result within 60 s";
  } else if (rd_kafka_event_error(ev)) {
    failure = rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      if (rd_kafka_topic_result_error(results[i])) {
        failure = rd_kafka_err2name(rd_kafka_topic_result_error(results[i])) + std::string(": ") +
                  (rd_kafka_topic_result_error_string(results[i])
                       ? rd_kafka_topic_result_error_string(results[i])
                       : "");
      }
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  if (!failure.empty()) throw HarnessError("creating topic " + topic + ": " + failure);
  // Kafka's brokers learn of a new topic from the controller asynchronously; a produce that
  // arrives first fails (and with acks=0 costs the connection and what was in flight), and a
  // retried batch can then land behind later ones. Every partition's leader answering
  // ListOffsets means the logs exist.
  bool ready = wait_for(
      [&] {
        for (int32_t p = 0; p < partitions; ++p) {
          int64_t low = -1, high = -1;
          if (rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &low, &high, 5'000) !=
              RD_KAFKA_RESP_ERR_NO_ERROR) {
            return false;
          }
        }
        return true;
      },
      30s, 50ms);
  if (!ready) throw HarnessError("topic " + topic + " has partitions without a serving leader");
}

}  // namespace

void create_topic(const std::string& bootstrap, const std::string& topic, int32_t partitions,
                  const RdKafkaConfig& topic_config, int32_t replication_factor) {
  create_topic_with(bootstrap, topic, partitions, replication_factor, {}, topic_config);
}

void create_topic(const std::string& bootstrap, const std::string& topic,
                  const std::vector<std::vector<int32_t>>& assignment,
                  const RdKafkaConfig& topic_config) {
  create_topic_with(bootstrap, topic, static_cast<int32_t>(assignment.size()), -1, assignment,
                    topic_config);
}

}  // namespace fjord::itest
