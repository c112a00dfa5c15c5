#include "integration-tests/harness/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/paths.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw HarnessError("pipe2 failed");
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) close(write);
    write = -1;
  }
};

}  // namespace

std::string CommandResult::describe() const {
  std::string s = timed_out ? "timed out" : "exit code " + std::to_string(exit_code);
  s += "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
  return s;
}

CommandResult run_command(const std::vector<std::string>& argv, const RunOptions& options) {
  Pipe in, out, err;
  const pid_t pid =
      detail::spawn_child(argv, options.env, options.cwd, in.read, out.write, err.write);
  in.close_read();
  out.close_write();
  err.close_write();
  // A program that exits without reading stdin must not kill us with SIGPIPE.
  fcntl(in.write, F_SETFL, O_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);
  if (options.stdin_data.empty()) in.close_write();

  CommandResult result;
  size_t written = 0;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::array<char, 65536> buf;
  while (out.read >= 0 || err.read >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    Pipe* owners[3];
    auto add = [&](Pipe& p, int fd, short events) {
      if (fd < 0) return;
      fds[n] = pollfd{fd, events, 0};
      owners[n++] = &p;
    };
    add(out, out.read, POLLIN);
    add(err, err.read, POLLIN);
    add(in, in.write, POLLOUT);
    int r = poll(fds.data(), n, static_cast<int>(std::min<long>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      Pipe& p = *owners[i];
      if (&p == &in) {
        ssize_t w = write(in.write, options.stdin_data.data() + written,
                          options.stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) written = options.stdin_data.size();
        if (written == options.stdin_data.size()) in.close_write();
        continue;
      }
      ssize_t got = read(p.read, buf.data(), buf.size());
      if (got > 0) {
        (&p == &out ? result.out : result.err).append(buf.data(), static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        p.close_read();
      }
    }
  }
  in.close_write();
  // Both output pipes closed: the program is exiting. Let it finish within the deadline, then
  // stop its group whatever it is doing.
  if (!result.timed_out) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    std::optional<int> code;
    wait_for([&] { return (code = detail::try_reap(pid)).has_value(); },
             std::max(left, std::chrono::milliseconds(0)), 10ms);
    if (code) {
      result.exit_code = *code;
      return result;
    }
    result.timed_out = true;
  }
  result.exit_code = detail::terminate_group(pid, 0ms);
  return result;
}

CommandResult run_bin_script(const std::string& script, const std::vector<std::string>& args,
                             const std::string& version, RunOptions options) {
  std::vector<std::string> argv = {(source_dir() / "bin" / script).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  options.env["FJORD_KAFKA_VERSION"] = version;
  return run_command(argv, options);
}

}  // namespace fjord::itest
