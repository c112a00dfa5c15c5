// fjord-loadgen: a librdkafka load generator for rates the JVM perf tools cannot push on two
// cores. Produces N messages of S bytes (acks, compression, linger, batch size configurable)
// and/or consumes a topic's partitions from the beginning, and prints one JSON line of
// results. In produce+consume mode each message carries its send time, and the consumer
// records the end-to-end latency distribution (p50/p99/p99.9/max).
//
//   fjord-loadgen --bootstrap 127.0.0.1:9092 --topic t --mode produce --messages 2000000
//                 --size 1024 --acks 1 --linger-ms 5 --batch-bytes 65536 --compression none
//   fjord-loadgen ... --mode produce ... --spread 6   (message i to partition i % 6: equal
//                 partitions, where librdkafka's sticky partitioner leaves them uneven)
//   fjord-loadgen ... --mode produce ... --producers 2   (two producer instances share the
//                 messages: two librdkafka sending threads, for when one is what limits)
//   fjord-loadgen ... --mode consume --messages N   (one instance: the line also gives
//                 fetch_thread_cpu_seconds, the CPU its librdkafka fetch thread used)
//   fjord-loadgen ... --mode consume --messages N --consumers 2   (two consumer instances,
//                 partition p to instance p % 2, share the messages: two fetch threads)
//   fjord-loadgen ... --mode consume ... --consumer-set queued.max.messages.kbytes=8192
//                 (any librdkafka property on each consumer, after the loadgen's own;
//                 repeatable: to see how a client setting moves a figure)
//   fjord-loadgen ... --mode latency --rate 50000 --messages N [--warmup N]
//   fjord-loadgen ... --mode create --partitions 1000
//
// Latency mode: the consumer starts at each partition's high watermark (queried, so no
// message is missed) and signals the producer once assigned; the first --warmup messages
// (default: one second's worth) are left out of the distribution, which is printed as
// p50/p99/p99.9/max plus a percentile curve ("curve": [[percentile, ms], ...]) for charts.
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic = "loadgen";
  std::string mode = "produce";
  long messages = 1000000;
  int size = 1024;
  std::string acks = "1";
  std::string compression = "none";
  int linger_ms = 5;
  int batch_bytes = 65536;
  long rate = 0;       // messages/s for latency mode, 0 = unlimited
  long warmup = -1;    // latency mode: messages left out of the distribution; -1 = rate (1 s)
  int partitions = 1;  // create mode
  int spread = 0;      // produce: message i to partition i % spread (0: librdkafka's partitioner)
  bool idempotence = false;
  // produce: this many producer instances (threads, each its own librdkafka handle and so
  // its own sending thread) share the messages; 1 in latency mode.
  int producers = 1;
  // consume: this many consumer instances (threads, each its own librdkafka handle and so its
  // own fetch thread) share the partitions (partition p to instance p % consumers) and the
  // messages; 1 in latency mode.
  int consumers = 1;
  // consume: librdkafka properties set on each consumer after the loadgen's own (--consumer-set
  // key=value, repeatable), to measure how a client setting changes a figure.
  std::vector<std::pair<std::string, std::string>> consumer_settings;
};

// Latency mode: the producer waits until the consumer has its partitions assigned.
std::mutex ready_mutex;
std::condition_variable ready_cv;
bool consumer_ready = false;
bool consumer_failed = false;

void signal_ready(bool ok) {
  std::lock_guard lock(ready_mutex);
  if (consumer_ready) return;
  consumer_ready = true;
  consumer_failed = !ok;
  ready_cv.notify_all();
}

// printf-style append to `out`: a result line is built whole, then written with one call, so
// the producer's and the consumer's lines (latency mode, two threads) never interleave.
__attribute__((format(printf, 2, 3))) void appendf(std::string& out, const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  if (n > 0) out.append(buf, std::min(static_cast<size_t>(n), sizeof buf - 1));
}

std::mutex output_mutex;
void emit(const std::string& line) {
  std::lock_guard lock(output_mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

// CPU seconds (user + system) this process has used so far: the client's share of the machine.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds the process's librdkafka broker threads ("rdk:broker...") have used so far. They
// receive and parse the fetch responses; with one consumer instance that is one thread doing
// nearly all the work, and its CPU over the run's length says whether it, not the broker, set
// the rate. Read before the handle is destroyed: the threads end with it. 0 if /proc is unreadable.
double broker_threads_cpu_seconds() {
  namespace fs = std::filesystem;
  std::error_code ec;
  long ticks = 0;
  for (fs::directory_iterator it("/proc/self/task", ec), end; !ec && it != end; it.increment(ec)) {
    std::ifstream comm(it->path() / "comm");
    std::string name;
    if (!std::getline(comm, name) || name.rfind("rdk:broker", 0) != 0) continue;
    std::ifstream stat_file(it->path() / "stat");
    std::string stat{std::istreambuf_iterator<char>(stat_file), {}};
    size_t paren = stat.rfind(')');  // the name (field 2) may hold spaces
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 1));
    std::string skip;
    for (int field = 3; field <= 13; ++field) fields >> skip;
    long utime = 0, stime = 0;  // fields 14 and 15, in clock ticks
    if (fields >> utime >> stime) ticks += utime + stime;
  }
  return double(ticks) / double(sysconf(_SC_CLK_TCK));
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "loadgen: %s=%s: %s\n", key, value.c_str(), err);
    return false;
  }
  return true;
}

std::atomic<long> delivered{0};
std::atomic<long> failed{0};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    if (failed.fetch_add(1) < 5) {
      std::fprintf(stderr, "loadgen: delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
  } else {
    delivered.fetch_add(1);
  }
}

// Throughput mode: messages go to librdkafka a thousand at a time (rd_kafka_produce_batch:
// the topic lock and the clock are read once per call rather than per message) and without a
// copy (every message points at the same payload, which outlives their delivery), so the
// sending application is not what limits small messages.
int produce_batches(rd_kafka_t* rk, const Options& o, long first, long step,
                    std::vector<char>& payload) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  if (!rkt) {
    std::fprintf(stderr, "loadgen: topic %s: %s\n", o.topic.c_str(),
                 rd_kafka_err2str(rd_kafka_last_error()));
    return 2;
  }
  constexpr size_t kBatch = 1000;
  std::vector<rd_kafka_message_t> batch(kBatch);
  std::vector<long> index(kBatch);  // the message number of each slot
  long next = first;
  size_t pending = 0;  // slots [0, pending) refused (queue full) and to be offered again
  int rc = 0;
  while (rc == 0 && (pending > 0 || next < o.messages)) {
    size_t n = pending;
    for (; n < kBatch && next < o.messages; ++n, next += step) index[n] = next;
    for (size_t k = 0; k < n; ++k) {
      rd_kafka_message_t& m = batch[k];
      m = rd_kafka_message_t{};
      m.payload = payload.data();
      m.len = payload.size();
      m.partition = o.spread > 0 ? static_cast<int32_t>(index[k] % o.spread) : 0;
    }
    const int flags = o.spread > 0 ? RD_KAFKA_MSG_F_PARTITION : 0;
    rd_kafka_produce_batch(rkt, RD_KAFKA_PARTITION_UA, flags, batch.data(), static_cast<int>(n));
    // Keep the refused ones, in order, for the next call; anything but a full queue is fatal.
    pending = 0;
    for (size_t k = 0; k < n; ++k) {
      if (batch[k].err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (batch[k].err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "loadgen: produce: %s\n", rd_kafka_err2str(batch[k].err));
        rc = 1;
        break;
      }
      index[pending++] = index[k];
    }
    rd_kafka_poll(rk, pending > 0 ? 10 : 0);
  }
  rd_kafka_topic_destroy(rkt);
  return rc;
}

// One producer instance: sends messages i = first, first + step, ... below o.messages and
// waits for their delivery. Returns 0, or 1 (a produce error) or 2 (a setup error).
int produce_share(const Options& o, long first, long step) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!set(conf, "bootstrap.servers", o.bootstrap) || !set(conf, "acks", o.acks) ||
      !set(conf, "compression.codec", o.compression) ||
      !set(conf, "linger.ms", std::to_string(o.linger_ms)) ||
      !set(conf, "batch.size", std::to_string(o.batch_bytes)) ||
      !set(conf, "queue.buffering.max.kbytes", "1048576") ||
      !set(conf, "queue.buffering.max.messages", "1000000") ||
      !set(conf, "enable.idempotence", o.idempotence ? "true" : "false")) {
    return 2;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    std::fprintf(stderr, "loadgen: %s\n", err);
    return 2;
  }
  std::vector<char> payload(static_cast<size_t>(std::max(o.size, 16)), 'x');
  const bool stamp = o.mode == "latency";
  if (!stamp && o.rate <= 0) {
    int rc = produce_batches(rk, o, first, step, payload);
    rd_kafka_flush(rk, 120000);
    rd_kafka_destroy(rk);
    return rc;
  }
  auto start = Clock::now();
  for (long i = first; i < o.messages; i += step) {
    if (o.rate > 0) {
      auto due = start + std::chrono::nanoseconds(i * 1000000000LL / o.rate);
      while (Clock::now() < due) rd_kafka_poll(rk, 0);
    }
    if (stamp) {
      int64_t t = now_ns();
      std::memcpy(payload.data(), &t, sizeof t);
      if (payload.size() >= 16) std::memcpy(payload.data() + 8, &i, sizeof i);
    }
    while (true) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(o.topic.c_str()), RD_KAFKA_V_VALUE(payload.data(), payload.size()),
          RD_KAFKA_V_PARTITION(o.spread > 0 ? static_cast<int32_t>(i % o.spread)
                                            : RD_KAFKA_PARTITION_UA),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        continue;
      }
      if (e) {
        std::fprintf(stderr, "loadgen: produce: %s\n", rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        return 1;
      }
      break;
    }
    if (((i / step) & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  rd_kafka_destroy(rk);
  return 0;
}

int produce(const Options& o) {
  const int n = o.mode == "latency" ? 1 : std::max(1, o.producers);
  std::vector<int> rcs(static_cast<size_t>(n), 0);
  auto start = Clock::now();
  if (n == 1) {
    rcs[0] = produce_share(o, 0, 1);
  } else {
    std::vector<std::thread> threads;
    for (int k = 0; k < n; ++k) {
      threads.emplace_back(
          [&o, &rcs, k, n] { rcs[static_cast<size_t>(k)] = produce_share(o, k, n); });
    }
    for (std::thread& t : threads) t.join();
  }
  int rc = *std::max_element(rcs.begin(), rcs.end());
  if (rc == 2) return 2;
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::string line;
  appendf(
      line,
      "{\"mode\":\"produce\",\"messages\":%ld,\"delivered\":%ld,\"failed\":%ld,\"size\":%d,"
      "\"seconds\":%.3f,\"msgs_per_sec\":%.0f,\"mb_per_sec\":%.2f,\"client_cpu_seconds\":%.3f}\n",
      o.messages, delivered.load(), failed.load(), o.size, secs, delivered.load() / secs,
      delivered.load() * double(o.size) / secs / 1e6, cpu_seconds());
  emit(line);
  return rc == 0 && failed.load() == 0 ? 0 : 1;
}

// What one consumer instance read: its messages, their bytes, the clock at its first and last
// message, and (latency mode) each measured message's end-to-end latency in ns.
struct ConsumeShare {
  long got = 0;
  long bytes = 0;
  Clock::time_point first{};
  Clock::time_point last{};
  bool started = false;
  std::vector<int64_t> lat;
  double fetch_thread_cpu = 0;  // one instance only: its broker threads' CPU at the end
};

// Consumer instance k of n: reads the partitions p with p % n == k until it has `want`
// messages (or none came for 30 s). Returns 0, or 2 if it could not start.
int consume_share(const Options& o, bool latency, int k, int n, long want, ConsumeShare& r) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!set(conf, "bootstrap.servers", o.bootstrap) || !set(conf, "group.id", "fjord-loadgen") ||
      !set(conf, "enable.auto.commit", "false") || !set(conf, "fetch.wait.max.ms", "100") ||
      !set(conf, "queued.max.messages.kbytes", "262144")) {
    return 2;
  }
  for (const auto& [key, value] : o.consumer_settings) {
    if (!set(conf, key.c_str(), value)) return 2;
  }
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    std::fprintf(stderr, "loadgen: %s\n", err);
    return 2;
  }
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) || md->topic_cnt != 1) {
    std::fprintf(stderr, "loadgen: no metadata for %s\n", o.topic.c_str());
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return 2;
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  for (int p = k; p < md->topics[0].partition_cnt; p += n) {
    int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
    if (latency) {
      // The exact end offset, not OFFSET_END: a message produced while OFFSET_END is still
      // being resolved would be skipped.
      // A fresh topic's partitions may answer "not leader" for a moment after Metadata
      // already names their leader (Kafka); ask again for up to 30 s.
      int64_t low = 0;
      rd_kafka_resp_err_t e;
      auto deadline = Clock::now() + std::chrono::seconds(30);
      while (true) {
        e = rd_kafka_query_watermark_offsets(rk, o.topic.c_str(), p, &low, &offset, 10000);
        bool transient = e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                         e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                         e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        if (!transient || Clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (e) {
        std::fprintf(stderr, "loadgen: end offset of %s-%d: %s\n", o.topic.c_str(), p,
                     rd_kafka_err2str(e));
        rd_kafka_topic_partition_list_destroy(parts);
        rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        return 2;
      }
    }
    rd_kafka_topic_partition_list_add(parts, o.topic.c_str(), p)->offset = offset;
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (latency) signal_ready(true);
  const long warmup = !latency ? 0 : o.warmup >= 0 ? o.warmup : std::max(o.rate, 0L);
  if (latency) r.lat.reserve(static_cast<size_t>(want));
  r.first = r.last = Clock::now();
  // Messages are taken from the consumer's queue in batches of what is there (one lock per
  // batch rather than per message); only an empty queue is waited on, for one message, since
  // a batch call with a timeout waits for a full batch.
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> batch(1024);
  while (r.got < want) {
    ssize_t got = rd_kafka_consume_batch_queue(queue, 0, batch.data(), batch.size());
    if (got <= 0) {
      batch[0] = rd_kafka_consumer_poll(rk, 1000);
      got = batch[0] ? 1 : 0;
    }
    if (got == 0) {
      if (Clock::now() - r.last > std::chrono::seconds(30)) break;
      continue;
    }
    const int64_t received = latency ? now_ns() : 0;
    bool any = false;
    for (ssize_t i = 0; i < got; ++i) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
      if (!m->err && r.got < want) {
        any = true;
        if (!r.started) {
          r.first = Clock::now();
          r.started = true;
        }
        ++r.got;
        r.bytes += static_cast<long>(m->len);
        if (latency && m->len >= 16) {
          int64_t t;
          long seq;
          std::memcpy(&t, m->payload, sizeof t);
          std::memcpy(&seq, static_cast<const char*>(m->payload) + 8, sizeof seq);
          if (seq >= warmup) r.lat.push_back(received - t);
        }
      }
      rd_kafka_message_destroy(m);
    }
    if (any) r.last = Clock::now();
  }
  if (n == 1) r.fetch_thread_cpu = broker_threads_cpu_seconds();
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}

int consume(const Options& o, bool latency) {
  const int n = latency ? 1 : std::max(1, o.consumers);
  std::vector<ConsumeShare> shares(static_cast<size_t>(n));
  std::vector<int> rcs(static_cast<size_t>(n), 0);
  auto want = [&](int k) { return o.messages / n + (k < o.messages % n ? 1 : 0); };
  if (n == 1) {
    rcs[0] = consume_share(o, latency, 0, 1, o.messages, shares[0]);
  } else {
    std::vector<std::thread> threads;
    for (int k = 0; k < n; ++k) {
      threads.emplace_back([&, k] {
        auto i = static_cast<size_t>(k);
        rcs[i] = consume_share(o, latency, k, n, want(k), shares[i]);
      });
    }
    for (std::thread& t : threads) t.join();
  }
  if (*std::max_element(rcs.begin(), rcs.end()) == 2) return 2;
  // The rate runs from the first message any instance read to the last one.
  long got = 0;
  long bytes = 0;
  bool all = true;
  std::optional<Clock::time_point> start;
  Clock::time_point last{};
  for (int k = 0; k < n; ++k) {
    const ConsumeShare& r = shares[static_cast<size_t>(k)];
    got += r.got;
    bytes += r.bytes;
    all = all && r.got == want(k);
    if (!r.started) continue;
    if (!start || r.first < *start) start = r.first;
    last = std::max(last, r.last);
  }
  double secs = start ? std::chrono::duration<double>(last - *start).count() : 0;
  if (secs <= 0) secs = 1e-9;
  std::string line;
  appendf(line,
          "{\"mode\":\"%s\",\"messages\":%ld,\"consumers\":%d,\"seconds\":%.3f,"
          "\"msgs_per_sec\":%.0f,\"mb_per_sec\":%.2f",
          latency ? "latency" : "consume", got, n, secs, got / secs, bytes / secs / 1e6);
  if (n == 1 && !latency) {
    appendf(line, ",\"fetch_thread_cpu_seconds\":%.3f", shares[0].fetch_thread_cpu);
  }
  std::vector<int64_t>& lat = shares[0].lat;
  if (latency && !lat.empty()) {
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double q) {
      return lat[std::min(lat.size() - 1, static_cast<size_t>(q * lat.size()))] / 1e6;
    };
    appendf(line,
            ",\"measured\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
            "\"max_ms\":%.3f,\"curve\":[",
            lat.size(), pct(0.5), pct(0.99), pct(0.999), lat.back() / 1e6);
    // Percentiles spaced evenly in log(1 / (1 - q)): dense near the tail, as charts want.
    const int points = 120;
    for (int k = 0; k < points; ++k) {
      double q = 1.0 - std::pow(10.0, -5.0 * k / (points - 1));
      appendf(line, "%s[%.5f,%.3f]", k ? "," : "", 100.0 * q, pct(q));
    }
    line += "]";
  }
  appendf(line, ",\"client_cpu_seconds\":%.3f}\n", cpu_seconds());
  emit(line);
  return all ? 0 : 1;
}

// Creates --topic with --partitions partitions (replication factor 1) through the Admin API;
// a topic that already exists is fine.
int create_topic(const Options& o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!set(conf, "bootstrap.servers", o.bootstrap)) return 2;
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    std::fprintf(stderr, "loadgen: %s\n", err);
    return 2;
  }
  rd_kafka_NewTopic_t* topic =
      rd_kafka_NewTopic_new(o.topic.c_str(), o.partitions, 1, err, sizeof err);
  if (!topic) {
    std::fprintf(stderr, "loadgen: %s\n", err);
    rd_kafka_destroy(rk);
    return 2;
  }
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, 60000, err, sizeof err);
  rd_kafka_AdminOptions_set_request_timeout(options, 60000, err, sizeof err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  auto start = Clock::now();
  rd_kafka_CreateTopics(rk, &topic, 1, options, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 70000);
  int rc = 0;
  if (!ev || rd_kafka_event_error(ev)) {
    std::fprintf(stderr, "loadgen: CreateTopics %s: %s\n", o.topic.c_str(),
                 ev ? rd_kafka_event_error_string(ev) : "timed out");
    rc = 1;
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        std::fprintf(stderr, "loadgen: CreateTopics %s: %s\n", o.topic.c_str(),
                     rd_kafka_topic_result_error_string(results[i]));
        rc = 1;
      }
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (rc == 0) {
    std::printf("{\"mode\":\"create\",\"topic\":\"%s\",\"partitions\":%d,\"seconds\":%.3f}\n",
                o.topic.c_str(), o.partitions, secs);
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(topic);
  rd_kafka_destroy(rk);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--bootstrap")
      o.bootstrap = v;
    else if (k == "--topic")
      o.topic = v;
    else if (k == "--mode")
      o.mode = v;
    else if (k == "--messages")
      o.messages = std::stol(v);
    else if (k == "--size")
      o.size = std::stoi(v);
    else if (k == "--acks")
      o.acks = v;
    else if (k == "--compression")
      o.compression = v;
    else if (k == "--linger-ms")
      o.linger_ms = std::stoi(v);
    else if (k == "--batch-bytes")
      o.batch_bytes = std::stoi(v);
    else if (k == "--rate")
      o.rate = std::stol(v);
    else if (k == "--idempotence")
      o.idempotence = v == "true";
    else if (k == "--warmup")
      o.warmup = std::stol(v);
    else if (k == "--partitions")
      o.partitions = std::stoi(v);
    else if (k == "--spread")
      o.spread = std::stoi(v);
    else if (k == "--producers")
      o.producers = std::stoi(v);
    else if (k == "--consumers")
      o.consumers = std::stoi(v);
    else if (k == "--consumer-set" && v.find('=') != std::string::npos) {
      o.consumer_settings.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    } else {
      std::fprintf(stderr, "loadgen: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.mode == "produce") return produce(o);
  if (o.mode == "consume") return consume(o, false);
  if (o.mode == "create") return create_topic(o);
  if (o.mode == "latency") {
    // Consumer first (from the end offsets), then the stamped producer at a fixed rate.
    int consumer_rc = 0;
    std::thread consumer([&] {
      consumer_rc = consume(o, true);
      signal_ready(false);  // no-op once it signalled; releases the producer if it failed early
    });
    bool ok;
    {
      std::unique_lock lock(ready_mutex);
      ready_cv.wait(lock, [] { return consumer_ready; });
      ok = !consumer_failed;
    }
    int rc = ok ? produce(o) : 2;
    consumer.join();
    return rc ? rc : consumer_rc;
  }
  std::fprintf(stderr, "loadgen: --mode produce|consume|latency\n");
  return 2;
}
