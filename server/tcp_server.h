// TcpServer owns the listening sockets of the broker's `listeners`. Each accepted connection
// is placed on the next event loop (round robin) and served there by a Connection.
// start/stop are called from one control thread; accepting runs on the first loop.
#pragma once

#include <asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/broker_config.h"
#include "server/connection.h"
#include "server/event_loops.h"

namespace fjord {

class TcpServer {
 public:
  TcpServer(EventLoops& loops, RequestHandler& handler, ConnectionLimits limits);

  // Binds every listener (port 0 picks a free port). On failure sets *error (naming the
  // listener and the OS error) and returns false.
  bool listen(const std::vector<Listener>& listeners, std::string* error);
  // The bound port of a listener, by index in the listeners given to listen().
  uint16_t bound_port(size_t i) const { return bound_ports_[i]; }
  void start_accepting();
  // Closes the acceptors and asks every connection to finish what it has read.
  void stop_accepting_and_drain();
  // Number of connections still open.
  size_t open_connections();

 private:
  struct Acceptor {
    asio::ip::tcp::acceptor acceptor;
    Listener listener;
  };
  asio::awaitable<void> accept_loop(Acceptor& a);

  EventLoops& loops_;
  RequestHandler& handler_;
  ConnectionLimits limits_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::vector<uint16_t> bound_ports_;
  std::mutex mu_;  // guards connections_ (touched on accept and shutdown only)
  std::vector<std::weak_ptr<Connection>> connections_;
};

}  // namespace fjord
