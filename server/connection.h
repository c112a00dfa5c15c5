// A Connection is one client socket on one event loop. It reads size-prefixed request frames,
// refusing a size above socket.request.max.bytes before buffering anything, hands each frame
// to the RequestHandler in arrival order, and writes the responses in the same order
// (pipelining: reading goes on while earlier responses are written). Requests that arrived
// together are handled back to back, and their responses leave in one gathered write. Spliced
// file regions go out with sendfile. Not thread-safe: everything runs on the connection's loop.
#pragma once

#include <sys/uio.h>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "server/response.h"

namespace fjord {

struct ConnectionInfo {
  std::string listener_name;
  std::string security_protocol;
  std::string peer;  // "ip:port", for log lines
  uint16_t local_port = 0;
};

// What a handler decided for one request.
struct Outcome {
  enum class Kind { kRespond, kNoResponse, kClose };
  Kind kind = Kind::kRespond;
  Response response;

  static Outcome respond(Response r) { return {Kind::kRespond, std::move(r)}; }
  static Outcome no_response() { return {Kind::kNoResponse, {}}; }
  static Outcome close() { return {Kind::kClose, {}}; }
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // frame: one request without its size prefix. Runs on the connection's loop; must not block.
  virtual asio::awaitable<Outcome> handle(const ConnectionInfo& conn, Bytes frame) = 0;
};

struct ConnectionLimits {
  int32_t max_request_bytes = 104857600;                    // socket.request.max.bytes
  std::chrono::milliseconds max_idle{600000};               // connections.max.idle.ms
  // SO_SNDBUF of each accepted socket and SO_RCVBUF of the listening one (inherited by what
  // it accepts), as Kafka's SocketServer; -1 leaves the OS default (autotuning).
  int32_t send_buffer_bytes = 102400;                       // socket.send.buffer.bytes
  int32_t receive_buffer_bytes = 102400;                    // socket.receive.buffer.bytes
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, ConnectionInfo info, RequestHandler& handler,
             ConnectionLimits limits);

  // Spawns the read and write loops on the socket's executor.
  void start();
  // Stops reading new requests; responses already due are still written, then it closes.
  void drain();
  // Closes the socket now.
  void close();
  bool closed() const { return closed_; }
  const ConnectionInfo& info() const { return info_; }
  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  // The reader yields to the loop after this many requests in a row (see read_loop).
  static constexpr int kFramesPerTurn = 16;
  // At most this many responses go out in one gathered write (two iovecs each).
  static constexpr size_t kMaxGatheredResponses = 64;

  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  asio::awaitable<void> idle_watchdog();
  asio::awaitable<bool> read_exact(uint8_t* data, size_t size);
  asio::awaitable<bool> write_response(const Response& r);
  // Writes the first n responses of the outbox (none with file regions) in one sendmsg.
  asio::awaitable<bool> write_gathered(size_t n);
  asio::awaitable<bool> send_all(iovec* iov, size_t count);
  asio::awaitable<bool> send_file_region(const FileRegion& region);
  void wake_writer();

  asio::ip::tcp::socket socket_;
  ConnectionInfo info_;
  RequestHandler& handler_;
  ConnectionLimits limits_;
  std::deque<Response> outbox_;
  // write_gathered's buffers, kept so that their capacity is reused.
  std::vector<std::array<uint8_t, 4>> gather_sizes_;
  std::vector<iovec> gather_iov_;
  asio::steady_timer writer_wakeup_;
  asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_;
  bool reading_done_ = false;
  std::atomic<bool> closed_{false};
};

}  // namespace fjord
