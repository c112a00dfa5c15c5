#include "zk/controller_channel.h"

#include <utility>

namespace fjord::zk {

ControllerChannel::ControllerChannel()
    : ControllerChannel(client::ClientConfig{.client_id = "controller"}) {}

ControllerChannel::ControllerChannel(client::ClientConfig config)
    : config_(std::move(config)),
      work_(asio::make_work_guard(io_)),
      thread_([this] { io_.run(); }) {}

ControllerChannel::~ControllerChannel() {
  remove_all();
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void ControllerChannel::add_broker(int32_t id, const std::string& host, uint16_t port) {
  auto c = client::KafkaClient::create(io_.get_executor(), host, port, config_);
  std::shared_ptr<client::KafkaClient> old;
  {
    std::lock_guard lock(mu_);
    auto& slot = clients_[id];
    if (slot && slot->host() == host && slot->port() == port) return;
    old = std::exchange(slot, c);
  }
  if (old) old->close();
}

void ControllerChannel::remove_broker(int32_t id) {
  std::shared_ptr<client::KafkaClient> old;
  {
    std::lock_guard lock(mu_);
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    old = std::move(it->second);
    clients_.erase(it);
  }
  old->close();
}

void ControllerChannel::remove_all() {
  std::map<int32_t, std::shared_ptr<client::KafkaClient>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(clients_);
  }
  for (auto& [_, c] : all) c->close();
}

std::shared_ptr<client::KafkaClient> ControllerChannel::client_for(int32_t broker) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(broker);
  return it == clients_.end() ? nullptr : it->second;
}

}  // namespace fjord::zk
