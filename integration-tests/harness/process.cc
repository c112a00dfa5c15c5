#include "integration-tests/harness/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/wait.h"

extern char** environ;

namespace fjord::itest {
namespace detail {
namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw HarnessError("program not found in PATH: " + name);
}

}  // namespace

pid_t spawn_child(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env, const std::filesystem::path& cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd) {
  if (argv.empty()) throw HarnessError("spawn: empty argv");
  // Everything the child needs is built before fork: between fork and exec only
  // async-signal-safe calls are allowed (the test may run librdkafka threads).
  const std::string program = resolve_program(argv[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    std::string key(kv.substr(0, kv.find('=')));
    if (!env.contains(key)) env_strings.emplace_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const std::string dir = cwd.string();

  // A pipe closed by exec (CLOEXEC) tells the parent whether exec worked: an errno arrives on
  // it only when exec failed.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) throw HarnessError("pipe2 failed");
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(report[0]);
    close(report[1]);
    throw HarnessError(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);  // run_command ignores it in the test process
    dup2(stdin_fd, 0);
    dup2(stdout_fd, 1);
    dup2(stderr_fd, 2);
    if (!dir.empty() && chdir(dir.c_str()) != 0) {
      int err = errno;
      (void)!write(report[1], &err, sizeof err);
      _exit(127);
    }
    execve(program.c_str(), args.data(), envp.data());
    int err = errno;
    (void)!write(report[1], &err, sizeof err);
    _exit(127);
  }
  // Also set the group from the parent, so a signal sent right after spawn reaches the group.
  setpgid(pid, pid);
  close(report[1]);
  int err = 0;
  ssize_t n;
  do {
    n = read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == sizeof err) {
    int status;
    waitpid(pid, &status, 0);
    throw HarnessError("cannot run " + program + ": " + std::strerror(err));
  }
  return pid;
}

std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == pid) return decode_status(status);
  if (r < 0 && errno == ECHILD) return -1;  // already reaped elsewhere
  return std::nullopt;
}

int terminate_group(pid_t pid, std::chrono::milliseconds grace) {
  if (auto code = try_reap(pid)) {
    ::kill(-pid, SIGKILL);  // the leader is gone; stragglers in its group are not wanted
    return *code;
  }
  std::optional<int> code;
  if (grace.count() > 0) {
    ::kill(-pid, SIGTERM);
    wait_for([&] { return (code = try_reap(pid)).has_value(); }, grace, 20ms);
  }
  ::kill(-pid, SIGKILL);
  if (!code) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    code = decode_status(status);
  }
  return *code;
}

}  // namespace detail

Process Process::spawn(const SpawnOptions& options) {
  const std::filesystem::path out_path = options.log_file.empty() ? "/dev/null" : options.log_file;
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (in < 0 || out < 0) {
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    throw HarnessError("cannot open " + out_path.string());
  }
  Process p;
  try {
    p.pid_ = detail::spawn_child(options.argv, options.env, options.cwd, in, out, out);
  } catch (...) {
    close(in);
    close(out);
    throw;
  }
  close(in);
  close(out);
  p.log_file_ = options.log_file;
  return p;
}

Process::~Process() {
  if (pid_ > 0) stop();
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      exit_code_(std::exchange(other.exit_code_, std::nullopt)),
      log_file_(std::move(other.log_file_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) stop();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
    log_file_ = std::move(other.log_file_);
  }
  return *this;
}

bool Process::running() { return pid_ > 0 && !exit_code().has_value(); }

std::optional<int> Process::exit_code() {
  if (!exit_code_ && pid_ > 0) exit_code_ = detail::try_reap(pid_);
  return exit_code_;
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  wait_for([this] { return exit_code().has_value(); }, timeout, 20ms);
  return exit_code();
}

int Process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  if (!exit_code_) exit_code_ = detail::terminate_group(pid_, grace);
  return *exit_code_;
}

int Process::kill() { return stop(0ms); }

void Process::signal(int sig) {
  if (pid_ > 0 && !exit_code()) ::kill(-pid_, sig);
}

}  // namespace fjord::itest
