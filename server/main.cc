// fjord-server: starts one broker, like kafka-server-start.sh.
//   fjord-server config/server.properties [--override key=value]...
#include <spdlog/spdlog.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <cstdio>

#include "server/broker.h"

int main(int argc, char** argv) {
  using namespace fjord;
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S,%e] %^%l%$ %v");
  if (argc < 2) {
    std::fprintf(stderr, "USAGE: %s server.properties [--override property=value]*\n", argv[0]);
    return 1;
  }
  auto props = load_properties_file(argv[1]);
  if (!props) {
    spdlog::error("cannot read config file {}: check the path and permissions", argv[1]);
    return 1;
  }
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--override" && i + 1 < argc) {
      std::string kv = argv[++i];
      size_t eq = kv.find('=');
      if (eq == std::string::npos) {
        spdlog::error("--override {} is not property=value", kv);
        return 1;
      }
      (*props)[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      spdlog::error("unknown argument {}", arg);
      return 1;
    }
  }
  std::string error;
  std::vector<std::string> unknown;
  auto config = BrokerConfig::from_properties(*props, &error, &unknown);
  if (!config) {
    spdlog::error("invalid configuration in {}: {}", argv[1], error);
    return 1;
  }
  for (const std::string& key : unknown) {
    spdlog::warn("The configuration '{}' was supplied but isn't a known config.", key);
  }

  Broker broker(std::move(*config));
  if (!broker.start(&error)) {
    spdlog::error("broker failed to start: {}", error);
    return 1;
  }
  asio::io_context control;
  asio::signal_set signals(control, SIGTERM, SIGINT);
  signals.async_wait([&](const asio::error_code&, int signo) {
    spdlog::info("received signal {}, shutting down", signo);
    broker.shutdown();
  });
  control.run();
  return 0;
}
