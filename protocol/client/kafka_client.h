// KafkaClient is Fjord's one Kafka client (DESIGN.md: "one Kafka client implementation"): a
// connection to one broker endpoint that sends any generated request (fjord::msg types) and
// matches responses to requests by correlation id. The replica fetcher, the controller's channel
// to brokers and tools/ all use it.
//
// Behaviour, as Kafka's NetworkClient:
// - Requests are pipelined: written in submission order, several in flight at once.
// - The connection is opened lazily on the first request and reopened after a failure with
//   exponential backoff (reconnect.backoff.ms .. reconnect.backoff.max.ms); a connect that takes
//   longer than connect_timeout fails.
// - Each request has a timeout (request.timeout.ms unless given), counted from submission. A
//   request that times out after it was written closes the connection (its response can no
//   longer be matched in order), which fails the other in-flight requests with kDisconnected.
// - A request not yet written survives a reconnect (unless fail_unsent_on_connect_error: then a
//   failed connect fails it); a written one fails with kDisconnected when the connection drops
//   (the caller decides whether a resend is safe).
// - close() (and destruction of the last owner) fails everything pending with kClosed.
//
// Thread-safety: every public member may be called from any thread. State lives on a strand of
// the given executor; completion handlers run on their associated executor (for a plain callback:
// that strand), never inline in the submitting call.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>

#include "protocol/api.h"
#include "protocol/header.h"
#include "protocol/wire.h"

namespace fjord::client {

enum class ClientErrc {
  kRequestTimedOut = 1,  // no response within the request's timeout
  kDisconnected,         // the connection dropped with the request in flight
  kClosed,               // close() was called, or the client was destroyed
  kDecodeFailed,         // the response did not decode at the request's version
  kUnknownApi,           // api key without a codec in protocol/
  kConnectFailed,        // the connect failed (only with fail_unsent_on_connect_error)
};
const std::error_category& client_category();
inline std::error_code make_error_code(ClientErrc e) {
  return {static_cast<int>(e), client_category()};
}

struct ClientConfig {
  std::string client_id = "fjord";
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};  // request.timeout.ms
  std::chrono::milliseconds reconnect_backoff{50};    // reconnect.backoff.ms
  std::chrono::milliseconds reconnect_backoff_max{1'000};
  int32_t max_response_bytes = 256 * 1024 * 1024;  // a larger size prefix closes the connection
  // A failed connect fails the requests not yet written (kConnectFailed) instead of leaving them
  // to the next attempt, for a caller that would rather retry itself, as Kafka's
  // NetworkClientUtils.awaitReady gives up when the connection fails.
  bool fail_unsent_on_connect_error = false;
};

// A response frame: the bytes after the response header. Decoded messages may view into buffer
// (records fields do), so a Response keeps the buffer alive.
struct Frame {
  std::shared_ptr<const Bytes> buffer;
  size_t body_offset = 0;
  ByteView body() const { return buffer ? ByteView(*buffer).subspan(body_offset) : ByteView{}; }
};

template <typename T>
struct Response {
  std::shared_ptr<const Bytes> buffer;  // what body's views point into
  T body;
};

struct RequestOptions {
  std::optional<std::chrono::milliseconds> timeout;  // default: ClientConfig::request_timeout
  bool expect_response = true;  // false only for Produce with acks=0: completes once written
};

class KafkaClient : public std::enable_shared_from_this<KafkaClient> {
 public:
  using RawCallback = std::function<void(std::error_code, Frame)>;

  static std::shared_ptr<KafkaClient> create(asio::any_io_executor executor, std::string host,
                                             uint16_t port, ClientConfig config = {});
  ~KafkaClient();
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

  // Sends `request` at `version` and completes with void(std::error_code, Response<Resp>).
  // Token: a callback, asio::use_awaitable, asio::use_future, ...
  template <typename Resp, typename Req, typename Token>
  auto async_request(const Req& request, int16_t version, Token&& token,
                     RequestOptions options = {}) {
    static_assert(Req::kApiKey == Resp::kApiKey, "request and response of different APIs");
    Bytes frame = encode_frame(request, version);
    return asio::async_initiate<Token, void(std::error_code, Response<Resp>)>(
        [this, version, options](auto handler, Bytes frame) {
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          submit(std::move(frame), Req::kApiKey, version, options,
                 [h, version](std::error_code ec, Frame f) {
                   Response<Resp> out;
                   if (!ec) {
                     Reader r(f.body());
                     if (out.body.decode(r, version) != DecodeError::kNone || !r.at_end()) {
                       ec = make_error_code(ClientErrc::kDecodeFailed);
                     }
                     out.buffer = std::move(f.buffer);
                   }
                   auto ex = asio::get_associated_executor(*h);
                   asio::dispatch(ex, [h, ec, out = std::move(out)]() mutable {
                     std::move (*h)(ec, std::move(out));
                   });
                 });
        },
        token, std::move(frame));
  }

  // A pre-encoded request body (for callers that handle every API alike). `frame` must come from
  // encode_frame / encode_raw_frame; its correlation id is assigned here.
  void submit(Bytes frame, int16_t api_key, int16_t version, RequestOptions options,
              RawCallback callback);

  // The size-prefixed frame of a request with a placeholder correlation id.
  template <typename Req>
  Bytes encode_frame(const Req& request, int16_t version) const {
    Bytes out;
    Writer w(out);
    begin_frame(w, Req::kApiKey, version);
    request.encode(w, version);
    w.patch_int32(0, static_cast<int32_t>(out.size() - 4));
    return out;
  }

  // Fails every pending request with kClosed and closes the connection; later requests fail at
  // once. Idempotent.
  void close();

  // For tests and logs: true while a connection is established.
  bool connected() const;

 private:
  struct State;
  KafkaClient(asio::any_io_executor executor, std::string host, uint16_t port, ClientConfig config);
  void begin_frame(Writer& w, int16_t api_key, int16_t version) const;

  std::string host_;
  uint16_t port_;
  ClientConfig config_;
  std::shared_ptr<State> state_;
};

}  // namespace fjord::client

template <>
struct std::is_error_code_enum<fjord::client::ClientErrc> : std::true_type {};
