// Runs a short-lived program to completion and captures what it printed: the way tests call
// kcat, the Java console tools and the project's own scripts.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fjord::itest {

using namespace std::chrono_literals;

struct RunOptions {
  std::string stdin_data;                   // written to the program's stdin, then closed
  std::chrono::milliseconds timeout = 60s;  // then the group is killed and timed_out is set
  std::map<std::string, std::string> env;   // added to (or replacing in) the test's environment
  std::filesystem::path cwd;
};

struct CommandResult {
  int exit_code = -1;  // 128 + signal number if a signal ended it
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr
  bool ok() const { return exit_code == 0 && !timed_out; }
  // A one-paragraph summary for assertion messages.
  std::string describe() const;
};

// Runs argv (argv[0] looked up in PATH) in its own process group. Throws HarnessError only if
// the program cannot be started; a failing or hanging program is reported in the result.
CommandResult run_command(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs the project's bin/<script> with FJORD_KAFKA_VERSION=version (empty: the scripts'
// default, as if unset).
CommandResult run_bin_script(const std::string& script, const std::vector<std::string>& args,
                             const std::string& version, RunOptions options = {});

}  // namespace fjord::itest
