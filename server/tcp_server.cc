#include "server/tcp_server.h"

#include <spdlog/spdlog.h>

#include <csignal>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

namespace fjord {

TcpServer::TcpServer(EventLoops& loops, RequestHandler& handler, ConnectionLimits limits)
    : loops_(loops), handler_(handler), limits_(limits) {
  // A peer that closes its socket while a response is being written must cost only that
  // connection: sendfile() raises SIGPIPE (asio's own writes use MSG_NOSIGNAL), and its
  // default action would end the whole process without a word.
  std::signal(SIGPIPE, SIG_IGN);
}

bool TcpServer::listen(const std::vector<Listener>& listeners, std::string* error) {
  for (const Listener& l : listeners) {
    asio::error_code ec;
    asio::ip::tcp::endpoint endpoint;
    if (l.host.empty()) {
      endpoint = asio::ip::tcp::endpoint(asio::ip::tcp::v4(), l.port);
    } else {
      asio::ip::tcp::resolver resolver(loops_.at(0));
      auto results = resolver.resolve(l.host, std::to_string(l.port), ec);
      if (ec || results.empty()) {
        *error = "cannot resolve host '" + l.host + "' of listener " + l.name + ": " + ec.message();
        return false;
      }
      endpoint = results.begin()->endpoint();
    }
    auto a = std::make_unique<Acceptor>(Acceptor{asio::ip::tcp::acceptor(loops_.at(0)), l});
    a->acceptor.open(endpoint.protocol(), ec);
    if (!ec) a->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    // Set before listen() so that accepted sockets inherit it with the window scale it needs.
    if (!ec && limits_.receive_buffer_bytes != -1) {
      a->acceptor.set_option(asio::socket_base::receive_buffer_size(limits_.receive_buffer_bytes),
                             ec);
    }
    if (!ec) a->acceptor.bind(endpoint, ec);
    if (!ec) a->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      *error = "cannot listen on " + l.name + "://" + l.host + ":" + std::to_string(l.port) +
               ": " + ec.message() + " (is another broker running on that port?)";
      return false;
    }
    bound_ports_.push_back(a->acceptor.local_endpoint().port());
    spdlog::info("listening on {}://{}:{}", l.name, endpoint.address().to_string(),
                 bound_ports_.back());
    acceptors_.push_back(std::move(a));
  }
  return true;
}

void TcpServer::start_accepting() {
  for (auto& a : acceptors_) {
    asio::co_spawn(loops_.at(0), accept_loop(*a), asio::detached);
  }
}

asio::awaitable<void> TcpServer::accept_loop(Acceptor& a) {
  while (a.acceptor.is_open()) {
    asio::io_context& target = loops_.next();
    auto [ec, socket] = co_await a.acceptor.async_accept(
        target, asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !a.acceptor.is_open()) break;
      spdlog::warn("accept on listener {} failed: {}", a.listener.name, ec.message());
      continue;
    }
    asio::error_code pec;
    auto remote = socket.remote_endpoint(pec);
    ConnectionInfo info{a.listener.name, a.listener.security_protocol,
                        pec ? std::string("?") : remote.address().to_string() + ":" +
                                                       std::to_string(remote.port()),
                        a.acceptor.local_endpoint().port()};
    auto conn = std::make_shared<Connection>(std::move(socket), std::move(info), handler_, limits_);
    {
      std::lock_guard lock(mu_);
      std::erase_if(connections_, [](const auto& w) { return w.expired(); });
      connections_.push_back(conn);
    }
    // start() spawns onto the socket's own loop.
    asio::post(target, [conn] { conn->start(); });
  }
}

void TcpServer::stop_accepting_and_drain() {
  asio::post(loops_.at(0), [this] {
    for (auto& a : acceptors_) {
      asio::error_code ec;
      a->acceptor.close(ec);
    }
  });
  std::lock_guard lock(mu_);
  for (auto& w : connections_) {
    if (auto c = w.lock()) {
      // Each connection is touched only on its own loop.
      asio::post(c->executor(), [c] { c->drain(); });
    }
  }
}

size_t TcpServer::open_connections() {
  std::lock_guard lock(mu_);
  std::erase_if(connections_, [](const auto& w) {
    auto c = w.lock();
    return !c || c->closed();
  });
  return connections_.size();
}

}  // namespace fjord
