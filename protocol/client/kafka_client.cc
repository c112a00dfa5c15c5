#include "protocol/client/kafka_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/write.hpp>
#include <deque>
#include <map>

namespace fjord::client {
namespace {

class ClientCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "fjord.client"; }
  std::string message(int e) const override {
    switch (static_cast<ClientErrc>(e)) {
      case ClientErrc::kRequestTimedOut:
        return "request timed out";
      case ClientErrc::kDisconnected:
        return "disconnected with the request in flight";
      case ClientErrc::kClosed:
        return "client closed";
      case ClientErrc::kDecodeFailed:
        return "response did not decode";
      case ClientErrc::kUnknownApi:
        return "api key without a codec";
      case ClientErrc::kConnectFailed:
        return "connect failed";
    }
    return "unknown client error";
  }
};

// Byte 8 of a request frame (after size, api_key, api_version) is the correlation id.
constexpr size_t kCorrelationIdOffset = 8;

}  // namespace

const std::error_category& client_category() {
  static const ClientCategory category;
  return category;
}

// Everything that changes after construction; touched only on `strand`.
struct KafkaClient::State : std::enable_shared_from_this<State> {
  struct Pending {
    Bytes frame;
    int16_t api_key = 0;
    int16_t version = 0;
    bool expect_response = true;
    RawCallback callback;
    std::unique_ptr<asio::steady_timer> timer;
  };
  enum class Conn { kIdle, kConnecting, kConnected };

  State(asio::any_io_executor ex, std::string host, uint16_t port, ClientConfig config)
      : strand(asio::make_strand(ex)),
        host(std::move(host)),
        port(port),
        config(std::move(config)),
        socket(strand),
        resolver(strand),
        connect_timer(strand),
        backoff_timer(strand),
        backoff(this->config.reconnect_backoff) {}

  asio::strand<asio::any_io_executor> strand;
  std::string host;
  uint16_t port;
  ClientConfig config;
  asio::ip::tcp::socket socket;
  asio::ip::tcp::resolver resolver;
  asio::steady_timer connect_timer;
  asio::steady_timer backoff_timer;
  std::chrono::milliseconds backoff;
  std::chrono::steady_clock::time_point next_connect_allowed{};
  Conn conn = Conn::kIdle;
  uint64_t generation = 0;  // bumped per connection; stale completions compare and return
  bool closed = false;
  bool writing = false;
  bool backoff_armed = false;
  int32_t next_correlation_id = 1;
  std::deque<int32_t> unsent;           // correlation ids in write order
  std::map<int32_t, Pending> requests;  // every pending request, written or not
  uint8_t size_buf[4] = {};
  std::shared_ptr<Bytes> read_buf;
  std::atomic<bool> is_connected{false};

  void complete(int32_t id, std::error_code ec, Frame f) {
    auto it = requests.find(id);
    if (it == requests.end()) return;
    Pending p = std::move(it->second);
    requests.erase(it);
    if (p.timer) p.timer->cancel();
    std::erase(unsent, id);
    p.callback(ec, std::move(f));
  }

  void add(Pending p, std::chrono::milliseconds timeout) {
    if (closed) {
      p.callback(make_error_code(ClientErrc::kClosed), {});
      return;
    }
    const int32_t id = next_correlation_id;
    next_correlation_id = next_correlation_id == INT32_MAX ? 1 : next_correlation_id + 1;
    Writer(p.frame).patch_int32(kCorrelationIdOffset, id);
    p.timer->expires_after(timeout);
    auto self = shared_from_this();
    requests.emplace(id, std::move(p));
    unsent.push_back(id);
    requests[id].timer->async_wait([self, id](std::error_code ec) {
      if (!ec) self->on_timeout(id);
    });
    pump();
  }

  void on_timeout(int32_t id) {
    auto it = requests.find(id);
    if (it == requests.end()) return;
    const bool written = std::find(unsent.begin(), unsent.end(), id) == unsent.end();
    complete(id, make_error_code(ClientErrc::kRequestTimedOut), {});
    if (written && conn == Conn::kConnected) {
      spdlog::warn("client {}:{}: request {} timed out in flight; reconnecting", host, port, id);
      drop_connection(make_error_code(ClientErrc::kDisconnected));
    }
  }

  // Moves things forward: connects if needed, writes the next unsent request.
  void pump() {
    if (closed || unsent.empty()) return;
    if (conn == Conn::kIdle) {
      start_connect();
      return;
    }
    if (conn == Conn::kConnected && !writing) write_next();
  }

  void start_connect() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_connect_allowed) {
      if (backoff_armed) return;
      backoff_armed = true;
      backoff_timer.expires_at(next_connect_allowed);
      backoff_timer.async_wait([self = shared_from_this()](std::error_code ec) {
        self->backoff_armed = false;
        if (!ec) self->pump();
      });
      return;
    }
    conn = Conn::kConnecting;
    const uint64_t gen = ++generation;
    connect_timer.expires_after(config.connect_timeout);
    connect_timer.async_wait([self = shared_from_this(), gen](std::error_code ec) {
      if (ec || gen != self->generation || self->conn != Conn::kConnecting) return;
      self->resolver.cancel();
      std::error_code ignored;
      self->socket.close(ignored);
    });
    resolver.async_resolve(host, std::to_string(port),
                           [self = shared_from_this(), gen](
                               std::error_code ec, asio::ip::tcp::resolver::results_type results) {
                             if (gen != self->generation || self->closed) return;
                             if (ec) return self->connect_failed(ec);
                             asio::async_connect(
                                 self->socket, results,
                                 [self, gen](std::error_code ec, const asio::ip::tcp::endpoint&) {
                                   if (gen != self->generation || self->closed) return;
                                   if (ec) return self->connect_failed(ec);
                                   self->connected();
                                 });
                           });
  }

  void connect_failed(std::error_code ec) {
    connect_timer.cancel();
    std::error_code ignored;
    socket.close(ignored);
    conn = Conn::kIdle;
    spdlog::debug("client {}:{}: connect failed: {}; retrying in {} ms", host, port, ec.message(),
                  backoff.count());
    next_connect_allowed = std::chrono::steady_clock::now() + backoff;
    backoff = std::min(backoff * 2, config.reconnect_backoff_max);
    if (config.fail_unsent_on_connect_error) {
      for (int32_t id : std::vector<int32_t>(unsent.begin(), unsent.end())) {
        complete(id, make_error_code(ClientErrc::kConnectFailed), {});
      }
    }
    pump();
  }

  void connected() {
    connect_timer.cancel();
    conn = Conn::kConnected;
    is_connected = true;
    backoff = config.reconnect_backoff;
    std::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    read_size(generation);
    pump();
  }

  void write_next() {
    const int32_t id = unsent.front();
    unsent.pop_front();
    Pending& p = requests.at(id);
    writing = true;
    const uint64_t gen = generation;
    asio::async_write(
        socket, asio::buffer(p.frame),
        [self = shared_from_this(), gen, id](std::error_code ec, size_t) {
          if (gen != self->generation) return;
          self->writing = false;
          if (ec) return self->drop_connection(ec);
          auto it = self->requests.find(id);
          if (it != self->requests.end()) {
            if (!it->second.expect_response) {
              self->complete(id, {}, {});
            } else {
              Bytes().swap(it->second.frame);  // the request bytes are no longer needed
            }
          }
          self->pump();
        });
  }

  void read_size(uint64_t gen) {
    asio::async_read(socket, asio::buffer(size_buf),
                     [self = shared_from_this(), gen](std::error_code ec, size_t) {
                       if (gen != self->generation) return;
                       if (ec) return self->drop_connection(ec);
                       Reader r(ByteView(self->size_buf, 4));
                       const int32_t size = r.read_int32();
                       if (size < 4 || size > self->config.max_response_bytes) {
                         spdlog::warn("client {}:{}: response size {} out of range; closing",
                                      self->host, self->port, size);
                         return self->drop_connection(make_error_code(ClientErrc::kDisconnected));
                       }
                       self->read_body(gen, size);
                     });
  }

  void read_body(uint64_t gen, int32_t size) {
    read_buf = std::make_shared<Bytes>(static_cast<size_t>(size));
    asio::async_read(socket, asio::buffer(*read_buf),
                     [self = shared_from_this(), gen](std::error_code ec, size_t) {
                       if (gen != self->generation) return;
                       if (ec) return self->drop_connection(ec);
                       self->on_frame(std::move(self->read_buf));
                       if (gen == self->generation) self->read_size(gen);
                     });
  }

  void on_frame(std::shared_ptr<Bytes> buf) {
    Reader peek(*buf);
    const int32_t id = peek.read_int32();
    auto it = requests.find(id);
    if (it == requests.end() || !it->second.expect_response) {
      // A response to a request that timed out: Kafka closes such connections before this can
      // happen; a broker answering an unknown id is broken, so drop the connection.
      spdlog::warn("client {}:{}: response with unknown correlation id {}; closing", host, port,
                   id);
      return drop_connection(make_error_code(ClientErrc::kDisconnected));
    }
    const ApiInfo* api = find_api(it->second.api_key);
    ResponseHeader header;
    Reader r(*buf);
    if (header.decode(r, api->response_header_version(it->second.version)) != DecodeError::kNone) {
      return complete(id, make_error_code(ClientErrc::kDecodeFailed), {});
    }
    complete(id, {}, Frame{std::move(buf), r.position()});
  }

  // Fails written requests with `ec`; unsent ones wait for the next connection.
  void drop_connection(std::error_code ec) {
    ++generation;
    if (conn == Conn::kConnected && !closed) {
      spdlog::debug("client {}:{}: connection lost: {}", host, port, ec.message());
    }
    conn = Conn::kIdle;
    is_connected = false;
    writing = false;
    std::error_code ignored;
    socket.close(ignored);
    connect_timer.cancel();
    std::vector<int32_t> written;
    for (auto& [id, p] : requests) {
      if (std::find(unsent.begin(), unsent.end(), id) == unsent.end()) written.push_back(id);
    }
    for (int32_t id : written) complete(id, make_error_code(ClientErrc::kDisconnected), {});
    next_connect_allowed = std::chrono::steady_clock::now() + backoff;
    backoff = std::min(backoff * 2, config.reconnect_backoff_max);
    pump();
  }

  void close() {
    if (closed) return;
    closed = true;
    ++generation;
    conn = Conn::kIdle;
    is_connected = false;
    std::error_code ignored;
    socket.close(ignored);
    resolver.cancel();
    connect_timer.cancel();
    backoff_timer.cancel();
    while (!requests.empty()) {
      complete(requests.begin()->first, make_error_code(ClientErrc::kClosed), {});
    }
  }
};

std::shared_ptr<KafkaClient> KafkaClient::create(asio::any_io_executor executor, std::string host,
                                                 uint16_t port, ClientConfig config) {
  return std::shared_ptr<KafkaClient>(
      new KafkaClient(std::move(executor), std::move(host), port, std::move(config)));
}

KafkaClient::KafkaClient(asio::any_io_executor executor, std::string host, uint16_t port,
                         ClientConfig config)
    : host_(host),
      port_(port),
      config_(config),
      state_(
          std::make_shared<State>(std::move(executor), std::move(host), port, std::move(config))) {}

KafkaClient::~KafkaClient() { close(); }

void KafkaClient::begin_frame(Writer& w, int16_t api_key, int16_t version) const {
  RequestHeader header{.api_key = api_key,
                       .api_version = version,
                       .correlation_id = 0,
                       .client_id = config_.client_id};
  w.write_int32(0);
  const ApiInfo* api = find_api(api_key);
  header.encode(w, api != nullptr ? api->request_header_version(version) : 1);
}

void KafkaClient::submit(Bytes frame, int16_t api_key, int16_t version, RequestOptions options,
                         RawCallback callback) {
  auto state = state_;
  asio::post(state->strand, [state, frame = std::move(frame), api_key, version, options,
                             callback = std::move(callback)]() mutable {
    State::Pending p;
    p.api_key = api_key;
    p.version = version;
    p.expect_response = options.expect_response;
    p.callback = std::move(callback);
    if (find_api(api_key) == nullptr || frame.size() < kCorrelationIdOffset + 4) {
      p.callback(make_error_code(ClientErrc::kUnknownApi), {});
      return;
    }
    p.frame = std::move(frame);
    p.timer = std::make_unique<asio::steady_timer>(state->strand);
    state->add(std::move(p), options.timeout.value_or(state->config.request_timeout));
  });
}

void KafkaClient::close() {
  auto state = state_;
  asio::dispatch(state->strand, [state] { state->close(); });
}

bool KafkaClient::connected() const { return state_->is_connected; }

}  // namespace fjord::client
