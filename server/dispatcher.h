// Dispatcher turns a request frame into a handler call: it decodes the request header,
// checks the API and version against the handler table, and answers or closes as Kafka does:
// an unknown API key, an unsupported version (except ApiVersions, answered with
// UNSUPPORTED_VERSION in v0 layout) or an undecodable request closes the connection.
#pragma once

#include "server/connection.h"

namespace fjord {

class Broker;

class Dispatcher : public RequestHandler {
 public:
  explicit Dispatcher(Broker& broker) : broker_(broker) {}
  asio::awaitable<Outcome> handle(const ConnectionInfo& conn, Bytes frame) override;

 private:
  Broker& broker_;
};

}  // namespace fjord
