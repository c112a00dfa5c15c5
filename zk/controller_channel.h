// ControllerChannel carries the controller's requests (LeaderAndIsr, UpdateMetadata,
// StopReplica) to the brokers, as Kafka's ControllerChannelManager: one connection per live
// broker over the inter-broker listener, requests to one broker sent in order. Built on the one
// Kafka client (protocol/client), running on its own I/O thread so the controller (on the
// ZooKeeper worker) never waits on a socket. Callbacks run on that I/O thread: the controller
// posts them back to its own thread. Thread-safe.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "protocol/client/kafka_client.h"
#include "protocol/generated/all_messages.h"

namespace fjord::zk {

class ControllerChannel {
 public:
  ControllerChannel();
  // With the clients' settings (client.id "controller" unless set otherwise).
  explicit ControllerChannel(client::ClientConfig config);
  ~ControllerChannel();
  ControllerChannel(const ControllerChannel&) = delete;
  ControllerChannel& operator=(const ControllerChannel&) = delete;

  // Connects to a broker (replacing an older connection to it, e.g. after it re-registered).
  void add_broker(int32_t id, const std::string& host, uint16_t port);
  void remove_broker(int32_t id);
  void remove_all();

  template <typename Resp>
  using Callback = std::function<void(std::error_code, Resp)>;

  template <typename Resp, typename Req>
  void send(int32_t broker, const Req& request, int16_t version, Callback<Resp> done) {
    std::shared_ptr<client::KafkaClient> c = client_for(broker);
    if (!c) {
      done(make_error_code(client::ClientErrc::kClosed), Resp{});
      return;
    }
    c->async_request<Resp>(request, version,
                           [done = std::move(done)](std::error_code ec, client::Response<Resp> r) {
                             done(ec, std::move(r.body));
                           });
  }

 private:
  std::shared_ptr<client::KafkaClient> client_for(int32_t broker);

  client::ClientConfig config_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::mutex mu_;
  std::map<int32_t, std::shared_ptr<client::KafkaClient>> clients_;
  std::thread thread_;
};

}  // namespace fjord::zk
