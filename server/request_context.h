// RequestContext is what a handler sees of one request: its header, the connection it came
// on, and the broker. respond() encodes a response message with the right response header
// version (ApiInfo), so no handler writes framing by hand.
#pragma once

#include <spdlog/spdlog.h>

#include "protocol/api.h"
#include "protocol/error_code.h"
#include "protocol/header.h"
#include "server/connection.h"

namespace fjord {

class Broker;

struct RequestContext {
  const ConnectionInfo& conn;
  const RequestHeader& header;
  const ApiInfo& api;
  Broker& broker;

  int16_t version() const { return header.api_version; }
  std::string_view client_id() const {
    return header.client_id ? std::string_view(*header.client_id) : std::string_view();
  }

  // Encodes `message` at `version` after a response header for this request.
  template <typename Message>
  Outcome respond(const Message& message, int16_t version) const {
    Response r;
    r.bytes.reserve(64 + message.encoded_size(version));
    Writer w(r.bytes, &r.splices);
    ResponseHeader h;
    h.correlation_id = header.correlation_id;
    h.encode(w, api.response_header_version(header.api_version));
    message.encode(w, version);
    return Outcome::respond(std::move(r));
  }
  template <typename Message>
  Outcome respond(const Message& message) const {
    return respond(message, header.api_version);
  }
};

}  // namespace fjord
