#include "server/connection.h"

#include <spdlog/spdlog.h>
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/post.hpp>
#include <algorithm>
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
  int frames_in_a_row = 0;
  while (!closed_ && !reading_done_) {
    if (!co_await read_exact(size_buf.data(), size_buf.size())) break;
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
    if (!co_await read_exact(frame.data(), frame.size())) break;
    last_activity_ = std::chrono::steady_clock::now();
    Outcome outcome = co_await handler_.handle(info_, std::move(frame));
    if (outcome.kind == Outcome::Kind::kClose) break;
    if (outcome.kind == Outcome::Kind::kRespond) {
      outbox_.push_back(std::move(outcome.response));
      wake_writer();
    }
    // Requests that keep arriving are not allowed to hold the loop: its other connections,
    // and this one's writer, get their turn every kFramesPerTurn requests.
    if (++frames_in_a_row >= kFramesPerTurn) {
      frames_in_a_row = 0;
      co_await asio::post(socket_.get_executor(), asio::use_awaitable);
    }
  }
  reading_done_ = true;
  wake_writer();
}

asio::awaitable<bool> Connection::read_exact(uint8_t* data, size_t size) {
  // Straight from the socket while it has data; the loop is waited on only when it has none.
  // So requests that arrived together are handled back to back, and their responses leave
  // together (write_loop); asio::async_read would return to the loop after every read.
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::recv(socket_.native_handle(), data + got, size - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) co_return false;  // the peer closed its end
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) co_return false;
    auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, kNoThrow);
    if (ec || closed_) co_return false;
  }
  co_return true;
}

asio::awaitable<void> Connection::write_loop() {
  while (!closed_) {
    if (outbox_.empty()) {
      if (reading_done_) break;
      writer_wakeup_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await writer_wakeup_.async_wait(kNoThrow);
      continue;
    }
    // Responses without file regions that are due together go out in one gathered write: one
    // system call, and one wake-up of the client for all of them.
    size_t n = 0;
    while (n < outbox_.size() && n < kMaxGatheredResponses && outbox_[n].splices.empty()) ++n;
    bool ok = n > 1 ? co_await write_gathered(n) : co_await write_response(outbox_.front());
    for (size_t i = 0; i < std::max<size_t>(n, 1); ++i) outbox_.pop_front();
    if (!ok) break;
    last_activity_ = std::chrono::steady_clock::now();
  }
  close();
}

asio::awaitable<bool> Connection::write_gathered(size_t n) {
  gather_sizes_.resize(n);
  gather_iov_.clear();
  for (size_t i = 0; i < n; ++i) {
    const Response& r = outbox_[i];
    batch_header::store_be<int32_t>(gather_sizes_[i].data(), static_cast<int32_t>(r.size()));
    gather_iov_.push_back(iovec{gather_sizes_[i].data(), gather_sizes_[i].size()});
    gather_iov_.push_back(iovec{const_cast<uint8_t*>(r.bytes.data()), r.bytes.size()});
  }
  co_return co_await send_all(gather_iov_.data(), gather_iov_.size());
}

asio::awaitable<bool> Connection::write_response(const Response& r) {
  std::array<uint8_t, 4> size_buf;
  batch_header::store_be<int32_t>(size_buf.data(), static_cast<int32_t>(r.size()));
  size_t mem_pos = 0;
  // The size prefix goes out with the first memory chunk in one gathered write.
  bool size_sent = false;
  for (size_t i = 0; i <= r.splices.size(); ++i) {
    size_t mem_end = i < r.splices.size() ? r.splices[i].offset : r.bytes.size();
    std::array<iovec, 2> iov = {
        iovec{size_buf.data(), size_sent ? 0 : size_buf.size()},
        iovec{const_cast<uint8_t*>(r.bytes.data()) + mem_pos, mem_end - mem_pos}};
    size_sent = true;
    if (!co_await send_all(iov.data(), iov.size())) co_return false;
    mem_pos = mem_end;
    if (i < r.splices.size() && !co_await send_file_region(r.splices[i].region)) co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Connection::send_all(iovec* iov, size_t count) {
  // As read_exact: written straight away while the socket takes it, the loop waited on only
  // when the send buffer is full.
  size_t first = 0;
  while (true) {
    while (first < count && iov[first].iov_len == 0) ++first;
    if (first == count) co_return true;
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = std::min<size_t>(count - first, IOV_MAX);
    ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      for (size_t k = first, left = static_cast<size_t>(n); k < count && left > 0; ++k) {
        size_t used = std::min(left, iov[k].iov_len);
        iov[k].iov_base = static_cast<uint8_t*>(iov[k].iov_base) + used;
        iov[k].iov_len -= used;
        left -= used;
      }
      continue;
    }
    if (errno == EINTR) continue;
    // Anything else (EPIPE, ECONNRESET): the peer is gone and the connection closes.
    if (errno != EAGAIN && errno != EWOULDBLOCK) co_return false;
    auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, kNoThrow);
    if (ec || closed_) co_return false;
  }
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
