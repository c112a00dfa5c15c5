// Real sockets against a TcpServer with a scripted handler: framing, pipelining order,
// size limit, no-response requests, and sendfile splices.
#include "server/connection.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/connect.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstdio>
#include <thread>
#include <vector>

#include "protocol/records/batch_header.h"
#include "server/tcp_server.h"

namespace fjord {
namespace {

// Echoes the frame. A frame starting with 'N' gets no response, 'C' closes the connection,
// 'D' is answered after a delay (so a later request could overtake it if order were wrong),
// 'F' is answered with "<" + file bytes + ">" where the file part is a sendfile splice.
class ScriptedHandler : public RequestHandler {
 public:
  int file_fd = -1;
  int32_t big_length = 0;  // region length for an "FF" request
  asio::awaitable<Outcome> handle(const ConnectionInfo&, Bytes frame) override {
    if (!frame.empty() && frame[0] == 'N') co_return Outcome::no_response();
    if (!frame.empty() && frame[0] == 'C') co_return Outcome::close();
    if (!frame.empty() && frame[0] == 'D') {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::use_awaitable);
    }
    Response r;
    if (!frame.empty() && frame[0] == 'F') {
      r.bytes = {'<', '>'};
      r.splices.push_back(Splice{1, FileRegion{file_fd, 2, frame.size() > 1 ? big_length : 5}});
      co_return Outcome::respond(std::move(r));
    }
    r.bytes = std::move(frame);
    co_return Outcome::respond(std::move(r));
  }
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loops_ = std::make_unique<EventLoops>(2);
    ConnectionLimits limits;
    limits.max_request_bytes = 1024;
    limits.max_idle = std::chrono::milliseconds(1000);
    server_ = std::make_unique<TcpServer>(*loops_, handler_, limits);
    std::string error;
    std::string map = "PLAINTEXT:PLAINTEXT";
    auto listeners = parse_listeners("PLAINTEXT://127.0.0.1:0", map, &error);
    ASSERT_TRUE(listeners) << error;
    ASSERT_TRUE(server_->listen(*listeners, &error)) << error;
    server_->start_accepting();
    loops_->start();
  }
  void TearDown() override {
    server_->stop_accepting_and_drain();
    loops_->stop();
    if (handler_.file_fd >= 0) close(handler_.file_fd);
    if (!file_path_.empty()) unlink(file_path_.c_str());
  }

  // A temporary file of `size` bytes starting with `content`, served for 'F' requests; gone
  // after the test.
  void serve_file(const std::string& content, off_t size = 0) {
    char path[] = "/tmp/fjord-conn-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    file_path_ = path;
    handler_.file_fd = fd;
    ASSERT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    if (size > 0) {
      ASSERT_EQ(ftruncate(fd, size), 0);
    }
  }

  asio::ip::tcp::socket connect() {
    asio::ip::tcp::socket s(client_ctx_);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->bound_port(0)});
    return s;
  }
  static void send_frame(asio::ip::tcp::socket& s, const std::string& body) {
    uint8_t size[4];
    batch_header::store_be<int32_t>(size, static_cast<int32_t>(body.size()));
    asio::write(s, asio::buffer(size, 4));
    asio::write(s, asio::buffer(body));
  }
  static std::string read_frame(asio::ip::tcp::socket& s) {
    uint8_t size[4];
    asio::read(s, asio::buffer(size, 4));
    std::string body(static_cast<size_t>(batch_header::load_be<int32_t>(size)), '\0');
    asio::read(s, asio::buffer(body));
    return body;
  }
  static bool closed_by_peer(asio::ip::tcp::socket& s) {
    uint8_t b;
    asio::error_code ec;
    asio::read(s, asio::buffer(&b, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  asio::io_context client_ctx_;
  ScriptedHandler handler_;
  std::unique_ptr<EventLoops> loops_;
  std::unique_ptr<TcpServer> server_;
  std::string file_path_;
};

TEST_F(ConnectionTest, PipelinedResponsesComeBackInRequestOrder) {
  auto s = connect();
  send_frame(s, "D-first");
  send_frame(s, "second");
  send_frame(s, "N-no-response");
  send_frame(s, "third");
  EXPECT_EQ(read_frame(s), "D-first");
  EXPECT_EQ(read_frame(s), "second");
  EXPECT_EQ(read_frame(s), "third");
}

TEST_F(ConnectionTest, ManyRequestsInOneWriteAreAnsweredInOrder) {
  // Requests that arrive together are handled back to back and their responses gathered
  // into shared writes: the order must survive that, with requests that get no response and
  // responses with a file region among them.
  serve_file("0123456789");
  std::string wire;
  std::vector<std::string> expected;
  for (int i = 0; i < 600; ++i) {
    std::string body;
    if (i % 7 == 3) {
      body = "N" + std::to_string(i);
    } else if (i % 11 == 5) {
      body = "F";
      expected.push_back("<23456>");
    } else {
      body = "echo " + std::to_string(i) + std::string(static_cast<size_t>(i % 5) * 200, 'x');
      expected.push_back(body);
    }
    uint8_t size[4];
    batch_header::store_be<int32_t>(size, static_cast<int32_t>(body.size()));
    wire.append(reinterpret_cast<const char*>(size), 4);
    wire += body;
  }
  auto s = connect();
  // The client writes everything before it reads a byte, so responses back up on the broker.
  asio::write(s, asio::buffer(wire));
  for (const std::string& want : expected) ASSERT_EQ(read_frame(s), want);
}

TEST_F(ConnectionTest, OversizedAndNegativeSizesCloseOnlyThatConnection) {
  auto bad = connect();
  uint8_t size[4];
  batch_header::store_be<int32_t>(size, 1025);
  asio::write(bad, asio::buffer(size, 4));
  EXPECT_TRUE(closed_by_peer(bad));

  auto neg = connect();
  batch_header::store_be<int32_t>(size, -5);
  asio::write(neg, asio::buffer(size, 4));
  EXPECT_TRUE(closed_by_peer(neg));

  auto good = connect();
  send_frame(good, "still serving");
  EXPECT_EQ(read_frame(good), "still serving");
}

TEST_F(ConnectionTest, HandlerCanCloseTheConnection) {
  auto s = connect();
  send_frame(s, "first");
  send_frame(s, "Close");
  EXPECT_EQ(read_frame(s), "first");
  EXPECT_TRUE(closed_by_peer(s));
}

TEST_F(ConnectionTest, FileRegionsAreSplicedWithSendfile) {
  serve_file("0123456789");
  auto s = connect();
  send_frame(s, "F");
  EXPECT_EQ(read_frame(s), "<23456>");
}

TEST_F(ConnectionTest, IdleConnectionsAreClosedAfterConnectionsMaxIdleMs) {
  auto s = connect();
  send_frame(s, "active");
  EXPECT_EQ(read_frame(s), "active");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_peer(s));  // blocks until the broker closes it
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_F(ConnectionTest, PeerClosingDuringASendfileCostsOnlyThatConnection) {
  // Regression: sendfile() to a socket the client has closed raised SIGPIPE, which ended the
  // broker (a consumer closing mid-fetch killed it).
  serve_file("", 64 << 20);
  handler_.big_length = 64 << 20;
  for (int i = 0; i < 5; ++i) {
    auto s = connect();
    send_frame(s, "FF");
    uint8_t size[4];
    asio::read(s, asio::buffer(size, 4));  // the response has started
    s.set_option(asio::socket_base::linger(true, 0));  // reset, not a graceful close
    s.close();
  }
  auto good = connect();
  send_frame(good, "still serving");
  EXPECT_EQ(read_frame(good), "still serving");
}

}  // namespace
}  // namespace fjord
