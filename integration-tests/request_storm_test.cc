// Every request the target broker advertises in ApiVersions, at every version it advertises,
// built from the generated sample values (every field set, nullable ones null for some seeds:
// protocol/test), then again with bytes of the body overwritten (random bytes, or the int32
// boundaries 0x7fffffff and 0xffffffff). Each goes on its own connection. The broker answers or
// closes that connection, never dies, keeps answering ApiVersions on new connections, and at
// the end still serves the records written before the storm and takes new ones from a real
// client. The same test runs against Kafka 3.9.
//
// FJORD_STORM_SEED (default 1) picks the mutations and FJORD_STORM_ROUNDS (default 2) how many
// mutated copies of each request are sent: raise it to fuzz for longer by hand.
// FJORD_STORM_DUMP=FILE writes each unmutated request and its answer to FILE, one line each
// ("api_key version request_body_hex response_frame_hex|closed|held"), for comparing Fjord's
// answers with Kafka's (tools/storm_diff.py); FJORD_STORM_SAMPLES=N sends the samples of seeds
// 1..N rather than of seeds 1 and 3; FJORD_STORM_ZOOKEEPER=1 runs the broker in ZooKeeper mode.
// Those are for comparing by hand: with more samples, or in ZooKeeper mode (where the samples
// include controller requests, unauthenticated in Kafka too), neither Kafka nor Fjord takes new
// records at the end, and the test fails on both.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "protocol/api.h"
#include "protocol/generated/all_messages.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/samples.h"

namespace fjord::itest {
namespace {

using namespace std::chrono_literals;

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stol(v) : fallback;
}

// Sets `out` to the body of request type T at `version` filled with the samples of `seed`, if T
// is the request of `api_key` and can be encoded at that version. (FJORD_ALL_MESSAGES also lists
// the record and group-metadata schemas, which have no api key.)
template <typename T>
void sample_if(int16_t api_key, int16_t version, uint32_t seed, std::optional<Bytes>& out) {
  if constexpr (requires { T::kApiKey; }) {
    if constexpr (std::string_view(T::kName).ends_with("Request")) {
      if (out || T::kApiKey != api_key || version < T::kMinVersion || version > T::kMaxVersion) {
        return;
      }
      T m;
      msg::sample::fill(m, version, seed);
      if (!m.can_encode(version)) return;
      Bytes body;
      Writer w(body);
      m.encode(w, version);
      out = std::move(body);
    }
  }
}

// The body of request `api_key` at `version` from the samples of `seed`, or nullopt.
std::optional<Bytes> sample_body(int16_t api_key, int16_t version, uint32_t seed) {
  std::optional<Bytes> out;
#define FJORD_SAMPLE(T) sample_if<msg::T>(api_key, version, seed, out);
  FJORD_ALL_MESSAGES(FJORD_SAMPLE)
#undef FJORD_SAMPLE
  return out;
}

// Overwrites one to four places of the body: a random byte, or four bytes of an int32 boundary.
void mutate(Bytes& body, std::mt19937& rng) {
  if (body.empty()) return;
  const int places = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < places; ++i) {
    size_t at = std::uniform_int_distribution<size_t>(0, body.size() - 1)(rng);
    switch (rng() % 3) {
      case 0:
        body[at] = static_cast<uint8_t>(rng());
        break;
      case 1:
      case 2: {
        const uint8_t fill = rng() % 2 == 0 ? 0xff : 0x7f;
        for (size_t k = at; k < body.size() && k < at + 4; ++k) {
          body[k] = k == at ? fill : 0xff;
        }
        break;
      }
    }
  }
}

class RequestStorm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (env_or("FJORD_STORM_ZOOKEEPER", 0) != 0) {
      // By hand: one ZooKeeper-mode broker (Kafka in ZooKeeper mode as the oracle).
      cluster_ = std::make_unique<Cluster>(1);
      FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
      cluster_->start();
      broker_ = &cluster_->broker(0);
      return;
    }
    single_ = make_broker();
    broker_ = single_.get();
    FJORD_SKIP_IF_UNAVAILABLE(*broker_);
    broker_->start();
  }

  bool answers_api_versions() {
    auto resp =
        request_once<msg::ApiVersionsResponse>(broker_->port(), msg::ApiVersionsRequest{}, 0, 10s);
    return resp && resp->error_code == 0;
  }

  // Sends one frame on a new connection and waits briefly for an answer or the close; a
  // request the broker holds is simply left when the connection goes. (Kafka 3.9 never answers
  // a Produce whose records are null: its handler fails with a NullPointerException. Fjord
  // answers CORRUPT_MESSAGE.)
  // Returns the answer's hex, "closed" or "held".
  std::string send_one(const Bytes& f) {
    RawConnection conn(broker_->port());
    if (!conn.send_raw(f)) {
      ++closed_;
      return "closed";
    }
    if (auto answer = conn.read_frame(500ms)) {
      ++answered_;
      return hex(*answer);
    }
    if (conn.closed_by_peer(100ms)) {
      ++closed_;
      return "closed";
    }
    ++held_;
    return "held";
  }

  static std::string hex(const Bytes& b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 2);
    for (uint8_t c : b) {
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
    return out;
  }

  std::unique_ptr<Broker> single_;
  std::unique_ptr<Cluster> cluster_;
  Broker* broker_ = nullptr;  // one of the two
  int answered_ = 0;          // a response came
  int closed_ = 0;            // the broker closed the connection
  int held_ = 0;              // neither within 0.5 s (a request the broker keeps waiting)
};

TEST_F(RequestStorm, EveryAdvertisedRequestSampledAndMutatedLeavesTheBrokerServing) {
  const std::string topic = "storm-kept";
  create_topic(broker_->bootstrap(), topic, 1);
  {
    Producer producer(broker_->bootstrap(), {{"acks", "all"}});
    for (size_t i = 0; i < 10; ++i) producer.produce(topic, 0, "k", "before", 0, {}, i);
    ASSERT_TRUE(producer.flush(60s));
    ASSERT_EQ(producer.delivered_ok(), 10u);
  }

  auto advertised =
      request_once<msg::ApiVersionsResponse>(broker_->port(), msg::ApiVersionsRequest{}, 0, 10s);
  ASSERT_TRUE(advertised);
  ASSERT_FALSE(advertised->api_keys.empty());

  const auto seed = static_cast<uint32_t>(env_or("FJORD_STORM_SEED", 1));
  const long rounds = env_or("FJORD_STORM_ROUNDS", 2);
  SCOPED_TRACE("FJORD_STORM_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const char* dump_path = std::getenv("FJORD_STORM_DUMP");
  std::unique_ptr<FILE, int (*)(FILE*)> dump(dump_path ? std::fopen(dump_path, "w") : nullptr,
                                             [](FILE* f) { return f ? std::fclose(f) : 0; });
  if (dump) {
    // Kafka creates __consumer_offsets on the first FindCoordinator and answers
    // COORDINATOR_NOT_AVAILABLE meanwhile: wait for it, so group requests get comparable answers.
    msg::FindCoordinatorRequest find;
    find.key = "storm";
    ASSERT_TRUE(wait_for(
        [&] {
          auto r = request_once<msg::FindCoordinatorResponse>(broker_->port(), find, 1, 10s);
          return r && r->error_code == 0;
        },
        60s));
  }
  // FJORD_STORM_SAMPLES=N: the samples of seeds 1..N (to compare more requests by hand).
  std::vector<uint32_t> sample_seeds = {1, 3};
  if (long n = env_or("FJORD_STORM_SAMPLES", 0); n > 0) {
    sample_seeds.clear();
    for (long i = 1; i <= n; ++i) sample_seeds.push_back(static_cast<uint32_t>(i));
  }
  int sent = 0;
  int32_t correlation_id = 100;
  for (const auto& k : advertised->api_keys) {
    if (find_api(k.api_key) == nullptr) continue;
    for (int16_t v = k.min_version; v <= k.max_version; ++v) {
      SCOPED_TRACE("api key " + std::to_string(k.api_key) + " v" + std::to_string(v));
      for (uint32_t sample_seed : sample_seeds) {
        std::optional<Bytes> body = sample_body(k.api_key, v, sample_seed);
        if (!body) continue;
        const std::string answer = send_one(
            RawConnection::frame_body(k.api_key, v, ++correlation_id, *body, "fjord-storm"));
        if (dump) {
          std::fprintf(dump.get(), "%d %d %s %s\n", k.api_key, v, hex(*body).c_str(),
                       answer.c_str());
        }
        for (long r = 0; r < rounds; ++r) {
          Bytes mutated = *body;
          mutate(mutated, rng);
          send_one(
              RawConnection::frame_body(k.api_key, v, ++correlation_id, mutated, "fjord-storm"));
        }
        sent += 1 + static_cast<int>(rounds);
      }
      ASSERT_TRUE(broker_->running()) << "the broker died";
      ASSERT_TRUE(answers_api_versions()) << "the broker stopped answering ApiVersions";
    }
  }
  EXPECT_GT(sent, 100);
  std::printf("sent %d requests: %d answered, %d closed, %d held\n", sent, answered_, closed_,
              held_);

  // Still serving the records from before, and taking new ones.
  {
    Producer producer(broker_->bootstrap(), {{"acks", "all"}});
    for (size_t i = 0; i < 10; ++i) producer.produce(topic, 0, "k", "after", 0, {}, i);
    ASSERT_TRUE(producer.flush(60s));
    EXPECT_EQ(producer.delivered_ok(), 10u);
  }
  auto consumed = consume_from_beginning(broker_->bootstrap(), topic, 1, 20, 60s);
  ASSERT_EQ(consumed.size(), 20u);
  for (size_t i = 0; i < consumed.size(); ++i) {
    EXPECT_EQ(consumed[i].value, i < 10 ? "before" : "after") << i;
  }
}

}  // namespace
}  // namespace fjord::itest
