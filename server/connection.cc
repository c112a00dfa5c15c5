#include "server/connection.h"

#include <spdlog/spdlog.h>
#include <sys/sendfile.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <array>
#include <cerrno>

#include "protocol/records/batch_header.h"

namespace fjord {
namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, ConnectionInfo info, RequestHandler& handler,
                       ConnectionLimits limits)
    : socket_(std::move(socket)),
      info_(std::move(info)),
      handler_(handler),
      limits_(limits),
      writer_wakeup_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()),
      last_activity_(std::chrono::steady_clock::now()) {
  writer_wakeup_.expires_at(std::chrono::steady_clock::time_point::max());
}

void Connection::start() {
  asio::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.set_option(asio::socket_base::keep_alive(true), ec);
  // A bounded send buffer also bounds how far one response runs ahead of its reader: with
  // the OS's autotuned one a 1 MiB sendfile to a loopback client overran the receive
  // backlog, and the drops and retransmits cost both sides CPU (as Kafka, default 100 KiB).
  if (limits_.send_buffer_bytes != -1) {
    socket_.set_option(asio::socket_base::send_buffer_size(limits_.send_buffer_bytes), ec);
    if (ec) {
      spdlog::warn("cannot set the send buffer of the connection from {} to {} bytes "
                   "(socket.send.buffer.bytes): {}",
                   info_.peer, limits_.send_buffer_bytes, ec.message());
    }
  }
  socket_.native_non_blocking(true, ec);
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), [self] { return self->read_loop(); }, asio::detached);
  asio::co_spawn(socket_.get_executor(), [self] { return self->write_loop(); }, asio::detached);
  asio::co_spawn(socket_.get_executor(), [self] { return self->idle_watchdog(); }, asio::detached);
}

void Connection::wake_writer() { writer_wakeup_.cancel(); }

void Connection::drain() {
  reading_done_ = true;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_receive, ec);
  wake_writer();
}

void Connection::close() {
  if (closed_.exchange(true)) return;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  idle_timer_.cancel();
  wake_writer();
}

asio::awaitable<void> Connection::read_loop() {
  std::array<uint8_t, 4> size_buf;
  while (!closed_ && !reading_done_) {
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(size_buf), kNoThrow);
    if (ec) break;
    last_activity_ = std::chrono::steady_clock::now();
    int32_t size = batch_header::load_be<int32_t>(size_buf.data());
    // Checked before anything is buffered, as Kafka's NetworkReceive does.
    if (size < 0 || size > limits_.max_request_bytes) {
      spdlog::warn(
          "closing connection from {} on {}: request size {} is outside [0, {}] "
          "(socket.request.max.bytes)",
          info_.peer, info_.listener_name, size, limits_.max_request_bytes);
      break;
    }
    Bytes frame(static_cast<size_t>(size));
    auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(frame), kNoThrow);
    if (ec2) break;
    last_activity_ = std::chrono::steady_clock::now();
    Outcome outcome = co_await handler_.handle(info_, std::move(frame));
    if (outcome.kind == Outcome::Kind::kClose) break;
    if (outcome.kind == Outcome::Kind::kRespond) {
      outbox_.push_back(std::move(outcome.response));
      wake_writer();
    }
  }
  reading_done_ = true;
  wake_writer();
}

asio::awaitable<void> Connection::write_loop() {
  while (!closed_) {
    if (outbox_.empty()) {
      if (reading_done_) break;
      writer_wakeup_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await writer_wakeup_.async_wait(kNoThrow);
      continue;
    }
    bool ok = co_await write_response(outbox_.front());
    outbox_.pop_front();
    if (!ok) break;
    last_activity_ = std::chrono::steady_clock::now();
  }
  close();
}

asio::awaitable<bool> Connection::write_response(const Response& r) {
  std::array<uint8_t, 4> size_buf;
  batch_header::store_be<int32_t>(size_buf.data(), static_cast<int32_t>(r.size()));
  size_t mem_pos = 0;
  // The size prefix goes out with the first memory chunk in one gathered write.
  bool size_sent = false;
  for (size_t i = 0; i <= r.splices.size(); ++i) {
    size_t mem_end = i < r.splices.size() ? r.splices[i].offset : r.bytes.size();
    std::array<asio::const_buffer, 2> bufs = {
        asio::buffer(size_buf.data(), size_sent ? 0 : size_buf.size()),
        asio::buffer(r.bytes.data() + mem_pos, mem_end - mem_pos)};
    size_sent = true;
    auto [ec, n] = co_await asio::async_write(socket_, bufs, kNoThrow);
    if (ec) co_return false;
    mem_pos = mem_end;
    if (i < r.splices.size() && !co_await send_file_region(r.splices[i].region)) co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Connection::send_file_region(const FileRegion& region) {
  off_t offset = region.position;
  size_t left = static_cast<size_t>(region.length);
  while (left > 0) {
    ssize_t n = ::sendfile(socket_.native_handle(), region.fd, &offset, left);
    if (n > 0) {
      left -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, kNoThrow);
      if (ec) co_return false;
      continue;
    }
    // n == 0: the file is shorter than promised in the frame size; the frame cannot be
    // completed, so the connection must close (the client sees a disconnect and retries).
    spdlog::warn("closing connection to {}: sendfile of {} bytes at {} failed ({})", info_.peer,
                 region.length, region.position, n == 0 ? "end of file" : std::strerror(errno));
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Connection::idle_watchdog() {
  while (!closed_) {
    idle_timer_.expires_at(last_activity_ + limits_.max_idle);
    (void)co_await idle_timer_.async_wait(kNoThrow);
    if (closed_) break;
    if (std::chrono::steady_clock::now() - last_activity_ >= limits_.max_idle) {
      spdlog::info("closing idle connection from {} after {} ms (connections.max.idle.ms)",
                   info_.peer, limits_.max_idle.count());
      close();
    }
  }
}

}  // namespace fjord
