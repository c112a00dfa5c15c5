#include "integration-tests/harness/java_program.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "integration-tests/harness/command.h"
#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/paths.h"

#ifndef FJORD_BINARY_DIR
#error "FJORD_BINARY_DIR must be defined by the build"
#endif

namespace fjord::itest {

namespace {

// An exclusive flock held for the lifetime of the object.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
      if (fd_ >= 0) ::close(fd_);
      throw HarnessError("cannot lock " + path.string());
    }
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

std::filesystem::path compile_java(const std::filesystem::path& source, std::string_view bundle) {
  const std::filesystem::path src = source_dir() / source;
  const std::filesystem::path jars = jar_bundle(bundle);
  const std::filesystem::path out =
      std::filesystem::path(FJORD_BINARY_DIR) / "integration-tests" / "java-classes" / bundle;
  std::filesystem::create_directories(out);
  FileLock lock(out / ".lock");
  const std::filesystem::path built = out / (source.stem().string() + ".class");
  std::error_code ec;
  if (std::filesystem::exists(built) &&
      std::filesystem::last_write_time(built, ec) >= std::filesystem::last_write_time(src)) {
    return out;
  }
  CommandResult r = run_command(
      {"javac", "-encoding", "UTF-8", "-cp", (jars / "*").string(), "-d", out.string(),
       src.string()},
      {.timeout = 120s});
  if (!r.ok()) throw HarnessError("javac " + src.string() + " failed: " + r.describe());
  return out;
}

std::vector<std::string> java_program_command(const std::filesystem::path& classes,
                                              std::string_view bundle,
                                              std::string_view main_class,
                                              const std::vector<std::string>& args) {
  const std::filesystem::path jars = jar_bundle(bundle);
  std::vector<std::string> argv = {"java",
                                   "-Xmx128m",
                                   "-XX:+UseSerialGC",
                                   "-XX:TieredStopAtLevel=1",
                                   "-Dlog4j.configuration=file:" + log4j1_config().string(),
                                   "-Dlog4j2.configurationFile=" + log4j2_config().string(),
                                   "-cp",
                                   classes.string() + ":" + (jars / "*").string(),
                                   std::string(main_class)};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace fjord::itest
