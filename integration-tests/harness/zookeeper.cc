#include "integration-tests/harness/zookeeper.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/ports.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {

ZooKeeper::ZooKeeper() : dir_("fjord-zk"), port_(free_port()) {}

ZooKeeper::~ZooKeeper() { stop(); }

std::string ZooKeeper::connect_string() const { return "127.0.0.1:" + std::to_string(port_); }

void ZooKeeper::start(std::chrono::milliseconds timeout) {
  std::filesystem::create_directories(dir_ / "data");
  write_file(dir_ / "zoo.cfg",
             "tickTime=500\n"
             "initLimit=10\n"
             "syncLimit=5\n"
             "dataDir=" +
                 (dir_ / "data").string() + "\n" + "clientPort=" + std::to_string(port_) + "\n" +
                 "clientPortAddress=127.0.0.1\n"
                 "maxClientCnxns=0\n"
                 "admin.enableServer=false\n"
                 "4lw.commands.whitelist=ruok,srvr,stat\n");
  JavaTool jars("kafka-3.9.0");
  process_ = Process::spawn({
      .argv = jars.command("org.apache.zookeeper.server.ZooKeeperServerMain",
                           {(dir_ / "zoo.cfg").string()}, {"-Xmx256m"}),
      .log_file = log_file(),
  });
  bool up = wait_for(
      [&] { return !process_.running() || zookeeper_four_letter(port_, "ruok") == "imok"; },
      timeout, 100ms);
  if (!up || !process_.running()) {
    std::string why = process_.running() ? "did not answer ruok in time" : "exited";
    process_.stop();
    throw HarnessError("ZooKeeper on port " + std::to_string(port_) + " " + why + "; log:\n" +
                       tail_file(log_file()));
  }
}

void ZooKeeper::stop() { process_.stop(); }

std::string zookeeper_four_letter(uint16_t port, std::string_view command) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval tv{.tv_sec = 2, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      write(fd, command.data(), command.size()) == static_cast<ssize_t>(command.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

}  // namespace fjord::itest
