// KafkaClient against a tiny in-test broker (blocking sockets on its own thread) that answers
// Metadata requests by echoing the first requested topic name, so each response proves which
// request it belongs to.
#include "protocol/client/kafka_client.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "protocol/generated/metadata.h"

namespace fjord::client {
namespace {

using namespace std::chrono_literals;
constexpr int16_t kVersion = 9;  // flexible: request header v2, response header v1

bool wait_until(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

msg::MetadataRequest request_for(const std::string& topic) {
  msg::MetadataRequest req;
  req.topics = std::vector<msg::MetadataRequest::MetadataRequestTopic>{{.name = topic}};
  return req;
}

// Accepts connections one after another; per connection answers requests in order. Behaviour
// knobs: `silent` (read but never answer), `close_after` (close the connection after that many
// requests on it).
class TestBroker {
 public:
  explicit TestBroker(uint16_t port = 0)
      : acceptor_(io_, {asio::ip::address_v4::loopback(), port}, /*reuse_address=*/true) {
    thread_ = std::thread([this] { run(); });
  }
  ~TestBroker() { stop(); }
  void stop() {
    if (stopped_.exchange(true)) return;
    // shutdown (not close) wakes a thread blocked in accept or recv on Linux.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    {
      std::lock_guard lock(mu_);
      if (conn_) ::shutdown(conn_->native_handle(), SHUT_RDWR);
    }
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::atomic<bool> silent{false};
  std::atomic<int> close_after{-1};
  std::atomic<int> connections{0};
  std::atomic<int> requests{0};

 private:
  void run() {
    while (!stopped_) {
      auto sock = std::make_shared<asio::ip::tcp::socket>(io_);
      std::error_code ec;
      acceptor_.accept(*sock, ec);
      if (ec) return;
      {
        std::lock_guard lock(mu_);
        conn_ = sock;
      }
      ++connections;
      serve(*sock);
    }
  }
  void serve(asio::ip::tcp::socket& sock) {
    int on_this = 0;
    for (;;) {
      uint8_t size_buf[4];
      std::error_code ec;
      asio::read(sock, asio::buffer(size_buf), ec);
      if (ec) return;
      Reader sr(ByteView(size_buf, 4));
      Bytes body(static_cast<size_t>(sr.read_int32()));
      asio::read(sock, asio::buffer(body), ec);
      if (ec) return;
      ++requests;
      RequestHeader header;
      Reader r(body);
      ASSERT_EQ(decode_request_header(r, header), DecodeError::kNone);
      EXPECT_EQ(header.client_id, "client-test");
      msg::MetadataRequest req;
      ASSERT_EQ(req.decode(r, header.api_version), DecodeError::kNone);
      if (close_after >= 0 && ++on_this > close_after) {
        sock.close(ec);
        return;
      }
      if (silent) continue;
      msg::MetadataResponse resp;
      resp.topics.push_back({.name = (*req.topics)[0].name});
      Bytes out;
      Writer w(out);
      w.write_int32(0);
      ResponseHeader rh{.correlation_id = header.correlation_id};
      rh.encode(w, 1);
      resp.encode(w, header.api_version);
      w.patch_int32(0, static_cast<int32_t>(out.size() - 4));
      asio::write(sock, asio::buffer(out), ec);
      if (ec) return;
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::mutex mu_;
  std::shared_ptr<asio::ip::tcp::socket> conn_;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~ClientTest() override {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  std::shared_ptr<KafkaClient> client(uint16_t port, ClientConfig config = {}) {
    config.client_id = "client-test";
    return KafkaClient::create(io_.get_executor(), "127.0.0.1", port, config);
  }
  using Result = std::pair<std::error_code, Response<msg::MetadataResponse>>;
  static std::future<Result> ask(KafkaClient& c, const std::string& topic,
                                 RequestOptions options = {}) {
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    c.async_request<msg::MetadataResponse>(
        request_for(topic), kVersion,
        [promise](std::error_code ec, Response<msg::MetadataResponse> r) {
          promise->set_value({ec, std::move(r)});
        },
        options);
    return future;
  }
  static std::string topic_of(const Result& r) {
    return r.second.body.topics.empty() ? "" : r.second.body.topics[0].name.value_or("");
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

TEST_F(ClientTest, PipelinedRequestsFromManyThreadsGetTheirOwnResponses) {
  TestBroker broker;
  auto c = client(broker.port());
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::vector<std::future<Result>>> futures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) futures[t].push_back(ask(*c, fmt::format("t{}-{}", t, i)));
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      ASSERT_EQ(futures[t][i].wait_for(10s), std::future_status::ready);
      Result r = futures[t][i].get();
      ASSERT_FALSE(r.first) << r.first.message();
      EXPECT_EQ(topic_of(r), fmt::format("t{}-{}", t, i));
    }
  }
  EXPECT_EQ(broker.connections, 1);
  EXPECT_TRUE(c->connected());
}

TEST_F(ClientTest, AwaitableAndFutureTokens) {
  TestBroker broker;
  auto c = client(broker.port());
  auto f = c->async_request<msg::MetadataResponse>(request_for("fut"), kVersion, asio::use_future);
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(*f.get().body.topics[0].name, "fut");

  std::promise<std::string> got;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        auto r = co_await c->async_request<msg::MetadataResponse>(request_for("coro"), kVersion,
                                                                  asio::use_awaitable);
        got.set_value(*r.body.topics[0].name);
      },
      asio::detached);
  auto gf = got.get_future();
  ASSERT_EQ(gf.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(gf.get(), "coro");
}

TEST_F(ClientTest, RequestTimesOutAndTheConnectionIsReopened) {
  TestBroker broker;
  broker.silent = true;
  auto c = client(broker.port());
  const auto start = std::chrono::steady_clock::now();
  auto f = ask(*c, "lost", {.timeout = 200ms});
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get().first, ClientErrc::kRequestTimedOut);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  broker.silent = false;
  auto g = ask(*c, "after");
  ASSERT_EQ(g.wait_for(10s), std::future_status::ready);
  Result r = g.get();
  ASSERT_FALSE(r.first) << r.first.message();
  EXPECT_EQ(topic_of(r), "after");
  EXPECT_EQ(broker.connections, 2);
}

TEST_F(ClientTest, DroppedConnectionFailsInFlightAndReconnects) {
  TestBroker broker;
  broker.close_after = 0;  // the first request on each connection closes it
  auto c = client(broker.port());
  auto f = ask(*c, "dropped");
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get().first, ClientErrc::kDisconnected);
  broker.close_after = -1;
  auto g = ask(*c, "again");
  ASSERT_EQ(g.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(topic_of(g.get()), "again");
  EXPECT_EQ(broker.connections, 2);
}

TEST_F(ClientTest, WaitsWithBackoffUntilTheBrokerListens) {
  uint16_t port;
  {
    TestBroker probe;  // a port that was free a moment ago
    port = probe.port();
  }
  auto c = client(port, {.reconnect_backoff = 10ms, .reconnect_backoff_max = 100ms});
  auto f = ask(*c, "late", {.timeout = 20s});
  EXPECT_EQ(f.wait_for(300ms), std::future_status::timeout);  // refused, retrying
  TestBroker broker(port);  // the client's next attempt gets through
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(topic_of(f.get()), "late");
}

// fail_unsent_on_connect_error: a refused connect fails the request at once (a controlled
// shutdown asking a controller that is gone), where by default it waits for the broker.
TEST_F(ClientTest, ARefusedConnectFailsTheRequestWhenAskedTo) {
  uint16_t port;
  {
    TestBroker probe;  // a port that was free a moment ago
    port = probe.port();
  }
  auto c = client(port, {.fail_unsent_on_connect_error = true});
  auto f = ask(*c, "nobody", {.timeout = 60s});
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready) << "still waiting for a connection";
  EXPECT_EQ(f.get().first, ClientErrc::kConnectFailed);
  // The client stays usable: a broker that listens later gets the next request.
  TestBroker broker(port);
  auto g = ask(*c, "later", {.timeout = 20s});
  ASSERT_EQ(g.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(topic_of(g.get()), "later");
}

TEST_F(ClientTest, CloseFailsPendingAndLaterRequests) {
  TestBroker broker;
  broker.silent = true;
  auto c = client(broker.port());
  auto f = ask(*c, "pending");
  ASSERT_TRUE(wait_until([&] { return broker.requests == 1; }));
  c->close();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get().first, ClientErrc::kClosed);
  auto g = ask(*c, "late");
  ASSERT_EQ(g.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(g.get().first, ClientErrc::kClosed);
}

}  // namespace
}  // namespace fjord::client
