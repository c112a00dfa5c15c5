// Dispatcher turns a request frame into a handler call: it decodes the request header,
// checks the API and version against the handler table, and answers or closes as Kafka does:
// an unknown API key, an unsupported version (except ApiVersions, answered with
// UNSUPPORTED_VERSION in v0 layout), an API that the broker's mode does not serve
// (served_in_mode) or an undecodable request closes the connection.
#pragma once

#include "server/connection.h"

namespace fjord {

class Broker;

class Dispatcher : public RequestHandler {
 public:
  explicit Dispatcher(Broker& broker);
  asio::awaitable<Outcome> handle(const ConnectionInfo& conn, Bytes frame) override;

 private:
  Broker& broker_;
  const bool zk_mode_;  // which APIs it serves (served_in_mode)
};

}  // namespace fjord
