// fjord-loadgen: a librdkafka load generator for rates the JVM perf tools cannot push on two
// cores. Produces N messages of S bytes (acks, compression, linger, batch size configurable)
// and/or consumes a topic's partitions from the beginning, and prints one JSON line of
// results. In produce+consume mode each message carries its send time, and the consumer
// records the end-to-end latency distribution (p50/p99/p99.9/max).
//
//   fjord-loadgen --bootstrap 127.0.0.1:9092 --topic t --mode produce --messages 2000000
//                 --size 1024 --acks 1 --linger-ms 5 --batch-bytes 65536 --compression none
//   fjord-loadgen ... --mode consume --messages N
//   fjord-loadgen ... --mode latency --rate 50000 --messages N
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
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
  long rate = 0;  // messages/s for latency mode, 0 = unlimited
  bool idempotence = false;
};

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

int produce(const Options& o) {
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
  std::vector<char> payload(static_cast<size_t>(std::max(o.size, 8)), 'x');
  const bool stamp = o.mode == "latency";
  auto start = Clock::now();
  for (long i = 0; i < o.messages; ++i) {
    if (o.rate > 0) {
      auto due = start + std::chrono::nanoseconds(i * 1000000000LL / o.rate);
      while (Clock::now() < due) rd_kafka_poll(rk, 0);
    }
    if (stamp) {
      int64_t t = now_ns();
      std::memcpy(payload.data(), &t, sizeof t);
    }
    while (true) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(o.topic.c_str()), RD_KAFKA_V_VALUE(payload.data(), payload.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        continue;
      }
      if (e) {
        std::fprintf(stderr, "loadgen: produce: %s\n", rd_kafka_err2str(e));
        return 1;
      }
      break;
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"mode\":\"produce\",\"messages\":%ld,\"delivered\":%ld,\"failed\":%ld,\"size\":%d,"
      "\"seconds\":%.3f,\"msgs_per_sec\":%.0f,\"mb_per_sec\":%.2f}\n",
      o.messages, delivered.load(), failed.load(), o.size, secs, delivered.load() / secs,
      delivered.load() * double(o.size) / secs / 1e6);
  rd_kafka_destroy(rk);
  return failed.load() == 0 ? 0 : 1;
}

int consume(const Options& o, bool latency) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!set(conf, "bootstrap.servers", o.bootstrap) || !set(conf, "group.id", "fjord-loadgen") ||
      !set(conf, "enable.auto.commit", "false") || !set(conf, "fetch.wait.max.ms", "100") ||
      !set(conf, "queued.max.messages.kbytes", "262144")) {
    return 2;
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
    return 2;
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  for (int p = 0; p < md->topics[0].partition_cnt; ++p) {
    rd_kafka_topic_partition_list_add(parts, o.topic.c_str(), p)->offset =
        latency ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<int64_t> lat;
  if (latency) lat.reserve(static_cast<size_t>(o.messages));
  long got = 0;
  long bytes = 0;
  auto start = Clock::now();
  auto last = start;
  bool started = false;
  while (got < o.messages) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) {
      if (Clock::now() - last > std::chrono::seconds(30)) break;
      continue;
    }
    if (!m->err) {
      if (!started) {
        start = Clock::now();
        started = true;
      }
      ++got;
      bytes += static_cast<long>(m->len);
      if (latency && m->len >= 8) {
        int64_t t;
        std::memcpy(&t, m->payload, sizeof t);
        lat.push_back(now_ns() - t);
      }
      last = Clock::now();
    }
    rd_kafka_message_destroy(m);
  }
  double secs = std::chrono::duration<double>(last - start).count();
  if (secs <= 0) secs = 1e-9;
  std::printf("{\"mode\":\"%s\",\"messages\":%ld,\"seconds\":%.3f,\"msgs_per_sec\":%.0f,"
              "\"mb_per_sec\":%.2f",
              latency ? "latency" : "consume", got, secs, got / secs, bytes / secs / 1e6);
  if (latency && !lat.empty()) {
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double q) {
      return lat[std::min(lat.size() - 1, static_cast<size_t>(q * lat.size()))] / 1e6;
    };
    std::printf(",\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f", pct(0.5),
                pct(0.99), pct(0.999), lat.back() / 1e6);
  }
  std::printf("}\n");
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return got == o.messages ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--bootstrap") o.bootstrap = v;
    else if (k == "--topic") o.topic = v;
    else if (k == "--mode") o.mode = v;
    else if (k == "--messages") o.messages = std::stol(v);
    else if (k == "--size") o.size = std::stoi(v);
    else if (k == "--acks") o.acks = v;
    else if (k == "--compression") o.compression = v;
    else if (k == "--linger-ms") o.linger_ms = std::stoi(v);
    else if (k == "--batch-bytes") o.batch_bytes = std::stoi(v);
    else if (k == "--rate") o.rate = std::stol(v);
    else if (k == "--idempotence") o.idempotence = v == "true";
    else {
      std::fprintf(stderr, "loadgen: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.mode == "produce") return produce(o);
  if (o.mode == "consume") return consume(o, false);
  if (o.mode == "latency") {
    // Consumer first (from the end), then the stamped producer at a fixed rate.
    int consumer_rc = 0;
    std::thread consumer([&] { consumer_rc = consume(o, true); });
    std::this_thread::sleep_for(std::chrono::seconds(2));  // let the consumer assign (bench only)
    int rc = produce(o);
    consumer.join();
    return rc ? rc : consumer_rc;
  }
  std::fprintf(stderr, "loadgen: --mode produce|consume|latency\n");
  return 2;
}
