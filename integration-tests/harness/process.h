// Child processes for integration tests (brokers, ZooKeeper, Java tools, kcat).
//
// Every child runs in its own process group, so stopping it also stops anything it started, and
// gets SIGKILL from the kernel if the test process dies first (PR_SET_PDEATHSIG), so a crashed
// or timed-out test leaves no server holding a port. The kernel counts the *thread* that
// spawned the child as its parent: spawn from a thread that outlives the child (in practice
// the test's main thread), or the child is killed when that thread ends. A Process is stopped
// in its destructor: SIGTERM to the group, then SIGKILL if it has not exited within the grace
// period.
// Not thread-safe; movable, not copyable.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fjord::itest {

using namespace std::chrono_literals;

struct SpawnOptions {
  std::vector<std::string> argv;           // argv[0] is looked up in PATH unless it contains a '/'
  std::map<std::string, std::string> env;  // added to (or replacing in) the test's environment
  std::filesystem::path cwd;               // empty: the test's working directory
  // stdout and stderr are appended here; stdin is /dev/null.
  std::filesystem::path log_file;
};

class Process {
 public:
  // Starts the child. Throws HarnessError if the program cannot be found or started.
  static Process spawn(const SpawnOptions& options);

  Process() = default;
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log_file() const { return log_file_; }

  // True while the child has not exited (reaps it once it has).
  bool running();
  // The exit code once it has exited (128 + signal number if a signal ended it).
  std::optional<int> exit_code();
  // Waits up to timeout for the child to exit by itself; returns its exit code if it did.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM to the group, SIGKILL after grace; returns the exit code. No-op once exited.
  int stop(std::chrono::milliseconds grace = 15s);
  // SIGKILL to the group now, as a crash would; returns the exit code.
  int kill();
  // Sends sig to the whole group (for example SIGSTOP / SIGCONT to freeze a broker).
  void signal(int sig);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path log_file_;
};

namespace detail {
// Forks and execs argv in a new process group with the given fds as 0, 1 and 2 (the parent
// keeps its copies). Throws HarnessError if argv[0] cannot be found or exec fails.
pid_t spawn_child(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env, const std::filesystem::path& cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd);
// Non-blocking reap: the exit code if the child has exited.
std::optional<int> try_reap(pid_t pid);
// SIGTERM (or SIGKILL when grace is zero) to the group, then SIGKILL after grace; reaps.
int terminate_group(pid_t pid, std::chrono::milliseconds grace);
}  // namespace detail

}  // namespace fjord::itest
