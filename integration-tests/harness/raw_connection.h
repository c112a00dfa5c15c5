// RawConnection is a bare TCP connection to a broker for tests that speak the Kafka protocol
// byte by byte (bad input, version checks): it sends whatever bytes it is given, frames
// requests with the generated codecs (protocol/generated, protocol/header.h), and reads
// size-prefixed response frames with a deadline. It never retries and never hides a close:
// that a broker closed the connection is often what a test checks. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "protocol/api.h"
#include "protocol/header.h"
#include "protocol/wire.h"

namespace fjord::itest {

using namespace std::chrono_literals;

class RawConnection;

// One request on a fresh connection to 127.0.0.1:port and its response: nullopt if the
// connection closes, nothing complete arrives within `timeout`, or the frame does not decode.
// Throws HarnessError if the connection is refused.
template <typename Response, typename Request>
std::optional<Response> request_once(uint16_t port, const Request& request, int16_t version,
                                     std::chrono::milliseconds timeout = 10s);

class RawConnection {
 public:
  // Connects to 127.0.0.1:port. Throws HarnessError if the connection is refused.
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes the bytes as they are. False if the peer has closed the connection.
  bool send_raw(ByteView bytes);
  // Half-closes: the broker reads end of stream after what was sent (a client that gave up).
  void shutdown_write();

  // Writes one request frame: int32 size, the request header (its version from the API table
  // for this api key and version) and the body encoded at `version`.
  template <typename Request>
  bool send_request(const Request& request, int16_t version, int32_t correlation_id,
                    std::string client_id = "fjord-itest") {
    return send_raw(frame_request(request, version, correlation_id, std::move(client_id)));
  }

  // The payload of the next response frame (without its size prefix), or nullopt if the
  // connection closes or nothing complete arrives before the deadline.
  std::optional<Bytes> read_frame(std::chrono::milliseconds timeout = 10s);

  // Decodes a response frame: header (version from the API table) then body at `version`.
  // Returns false if the frame does not decode exactly.
  template <typename Response>
  static bool decode_response(const Bytes& frame, int16_t version, ResponseHeader& header,
                              Response& response) {
    Reader r(frame);
    const ApiInfo* api = find_api(Response::kApiKey);
    if (header.decode(r, api->response_header_version(version)) != DecodeError::kNone) {
      return false;
    }
    return response.decode(r, version) == DecodeError::kNone && r.at_end();
  }

  // True once the peer has closed the connection (EOF or reset) within the timeout; bytes that
  // arrive meanwhile are discarded.
  bool closed_by_peer(std::chrono::milliseconds timeout = 10s);

  template <typename Request>
  static Bytes frame_request(const Request& request, int16_t version, int32_t correlation_id,
                             std::string client_id = "fjord-itest") {
    Bytes body;
    Writer w(body);
    request.encode(w, version);
    return frame_body(Request::kApiKey, version, correlation_id, body, std::move(client_id));
  }

  // A whole frame (size, request header, then `body` as it is) for any api key: for bodies
  // that are not a generated request's encoding, such as a damaged one.
  static Bytes frame_body(int16_t api_key, int16_t version, int32_t correlation_id, ByteView body,
                          std::string client_id = "fjord-itest") {
    RequestHeader header{.api_key = api_key,
                         .api_version = version,
                         .correlation_id = correlation_id,
                         .client_id = std::move(client_id)};
    Bytes out;
    Writer w(out);
    w.write_int32(0);
    header.encode(w, find_api(api_key)->request_header_version(version));
    out.insert(out.end(), body.begin(), body.end());
    w.patch_int32(0, static_cast<int32_t>(out.size() - 4));
    return out;
  }

 private:
  // Reads exactly n bytes into out (appending); false on close, error or deadline.
  bool read_exact(size_t n, Bytes& out, std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
};

template <typename Response, typename Request>
std::optional<Response> request_once(uint16_t port, const Request& request, int16_t version,
                                     std::chrono::milliseconds timeout) {
  RawConnection conn(port);
  if (!conn.send_request(request, version, 1)) return std::nullopt;
  auto frame = conn.read_frame(timeout);
  ResponseHeader header;
  Response response;
  if (!frame || !RawConnection::decode_response(*frame, version, header, response) ||
      header.correlation_id != 1) {
    return std::nullopt;
  }
  return response;
}

}  // namespace fjord::itest
