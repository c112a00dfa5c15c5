#include "integration-tests/harness/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <random>
#include <set>

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Without SO_REUSEADDR, bind also fails while old connections on the port sit in TIME_WAIT,
// which is the stricter test we want.
bool can_bind(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

uint16_t free_port() {
  static std::mutex mu;
  static std::set<uint16_t> handed_out;
  static std::mt19937 rng(std::random_device{}());
  std::lock_guard lock(mu);
  std::uniform_int_distribution<int> dist(20000, 32767);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto port = static_cast<uint16_t>(dist(rng));
    if (handed_out.contains(port) || !can_bind(port)) continue;
    handed_out.insert(port);
    return port;
  }
  throw HarnessError("no free loopback port found in 20000-32767");
}

bool port_accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout) {
  return wait_for([port] { return port_accepts(port); }, timeout, 50ms);
}

}  // namespace fjord::itest
