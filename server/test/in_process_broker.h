// Test support for server tests that go through the network layer: an in-process Broker on an
// ephemeral 127.0.0.1 port over a given log dir, and a blocking request/response exchange on a
// client socket with the generated codecs.
#pragma once

#include <gtest/gtest.h>

#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "protocol/api.h"
#include "protocol/header.h"
#include "protocol/records/batch_header.h"
#include "server/broker.h"

namespace fjord::server_test {

// Starts a broker with broker.id=1, listeners=PLAINTEXT://127.0.0.1:0 and log.dirs=log_dir, plus
// `props`. nullptr with *error when the configuration is refused or the broker does not start.
inline std::unique_ptr<Broker> start_broker(const std::filesystem::path& log_dir, Properties props,
                                            std::string* error) {
  props.emplace("broker.id", "1");
  props.emplace("listeners", "PLAINTEXT://127.0.0.1:0");
  props.emplace("log.dirs", log_dir.string());
  std::vector<std::string> warnings;
  auto config = BrokerConfig::from_properties(props, error, &warnings);
  if (!config) return nullptr;
  auto broker = std::make_unique<Broker>(std::move(*config));
  if (!broker->start(error)) return nullptr;
  return broker;
}

// Sends `req` as `version` on a connected socket and reads the response; a response that does
// not decode or carries another correlation id is a test failure.
template <typename Response, typename Request>
Response call(asio::ip::tcp::socket& socket, const Request& req, int16_t version,
              int32_t correlation_id, const std::string& client_id) {
  const ApiInfo* api = find_api(Request::kApiKey);
  Bytes frame;
  Writer w(frame);
  w.write_int32(0);
  RequestHeader header{.api_key = Request::kApiKey,
                       .api_version = version,
                       .correlation_id = correlation_id,
                       .client_id = client_id};
  header.encode(w, api->request_header_version(version));
  req.encode(w, version);
  w.patch_int32(0, static_cast<int32_t>(frame.size() - 4));
  asio::write(socket, asio::buffer(frame));
  uint8_t size_buf[4];
  asio::read(socket, asio::buffer(size_buf));
  Bytes body(static_cast<size_t>(batch_header::load_be<int32_t>(size_buf)));
  asio::read(socket, asio::buffer(body));
  Reader r(body);
  ResponseHeader rh;
  Response resp;
  EXPECT_EQ(rh.decode(r, api->response_header_version(version)), DecodeError::kNone);
  EXPECT_EQ(resp.decode(r, version), DecodeError::kNone);
  EXPECT_EQ(rh.correlation_id, correlation_id);
  return resp;
}

}  // namespace fjord::server_test
