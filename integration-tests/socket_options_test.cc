// The broker's own socket settings, compared with Kafka 3.9: socket.send.buffer.bytes sizes the
// send buffer of every accepted connection and socket.receive.buffer.bytes the receive buffer
// (set on the listening socket, which its connections inherit); -1 leaves the OS default. Seen
// from outside with `ss -tm`, which shows the broker's end of a connection (Linux reports twice
// the size that was set).
#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/wait.h"
#include "protocol/generated/api_versions.h"

namespace fjord::itest {
namespace {

struct SocketBuffers {
  long receive = -1;  // skmem rb
  long send = -1;     // skmem tb
};

// The buffers of the broker's end of an established connection on `port`, from ss; nullopt if
// ss shows none (yet).
std::optional<SocketBuffers> broker_side_buffers(uint16_t port) {
  CommandResult r = run_command(
      {"ss", "-tmnH", "state", "established", "( sport = :" + std::to_string(port) + " )"});
  if (!r.ok()) throw HarnessError("ss failed: " + r.describe());
  static const std::regex rb(R"(\brb(\d+))"), tb(R"(\btb(\d+))");
  std::smatch m;
  SocketBuffers b;
  if (std::regex_search(r.out, m, rb)) b.receive = std::stol(m[1]);
  if (std::regex_search(r.out, m, tb)) b.send = std::stol(m[1]);
  if (b.receive < 0 || b.send < 0) return std::nullopt;
  return b;
}

SocketBuffers buffers_of_a_connection(Broker& broker) {
  RawConnection conn(broker.port());
  msg::ApiVersionsRequest req;
  EXPECT_TRUE(conn.send_request(req, 0, 1));
  EXPECT_TRUE(conn.read_frame().has_value()) << "no ApiVersions answer";
  std::optional<SocketBuffers> seen;
  if (!wait_for([&] { return (seen = broker_side_buffers(broker.port())).has_value(); }, 10s)) {
    throw HarnessError("ss never showed the broker's end of the connection on port " +
                       std::to_string(broker.port()));
  }
  return *seen;
}

TEST(SocketOptions, KafkasDefaultsBoundBothBuffersTo100KiB) {
  auto broker = make_broker();
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  broker->start();
  SocketBuffers b = buffers_of_a_connection(*broker);
  EXPECT_EQ(b.send, 2 * 102400) << "socket.send.buffer.bytes defaults to 102400";
  EXPECT_EQ(b.receive, 2 * 102400) << "socket.receive.buffer.bytes defaults to 102400";
}

TEST(SocketOptions, ConfiguredSizesApplyAndMinusOneLeavesTheOsDefault) {
  BrokerConfig config;
  config.overrides = {{"socket.send.buffer.bytes", "65536"},
                      {"socket.receive.buffer.bytes", "49152"}};
  auto sized = make_broker(config);
  FJORD_SKIP_IF_UNAVAILABLE(*sized);
  sized->start();
  SocketBuffers b = buffers_of_a_connection(*sized);
  EXPECT_EQ(b.send, 2 * 65536);
  EXPECT_EQ(b.receive, 2 * 49152);
  sized.reset();

  config.overrides = {{"socket.send.buffer.bytes", "-1"}, {"socket.receive.buffer.bytes", "-1"}};
  auto os_default = make_broker(config);
  os_default->start();
  b = buffers_of_a_connection(*os_default);
  EXPECT_NE(b.send, 2 * 102400);
  EXPECT_NE(b.receive, 2 * 102400);
}

}  // namespace
}  // namespace fjord::itest
