#include "integration-tests/harness/paths.h"

#include <cstdlib>
#include <mutex>
#include <set>
#include <string>

#include "integration-tests/harness/command.h"
#include "integration-tests/harness/harness_error.h"

#ifndef FJORD_SOURCE_DIR
#error "FJORD_SOURCE_DIR must be defined by the build"
#endif
#ifndef FJORD_SERVER_BIN
#error "FJORD_SERVER_BIN must be defined by the build"
#endif

namespace fjord::itest {

std::filesystem::path source_dir() { return FJORD_SOURCE_DIR; }

std::filesystem::path server_binary() {
  const char* env = std::getenv("FJORD_SERVER_BIN");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(FJORD_SERVER_BIN);
}

std::filesystem::path jar_bundle(std::string_view bundle) {
  static std::mutex mu;
  static std::set<std::string, std::less<>> fetched;
  const char* env = std::getenv("FJORD_JARS_DIR");
  std::filesystem::path dir =
      (env && *env ? std::filesystem::path(env) : source_dir() / ".cache/jars") / bundle;
  std::lock_guard lock(mu);
  if (fetched.contains(bundle)) return dir;
  // fetch-jars.sh returns at once when the bundle's stamp is current, and otherwise fetches
  // it (about 5-20 s per bundle from Maven Central).
  CommandResult r =
      run_command({"bash", (source_dir() / "tools/fetch-jars.sh").string(), std::string(bundle)},
                  {.timeout = 600s});
  if (!r.ok()) {
    throw HarnessError("tools/fetch-jars.sh " + std::string(bundle) + " failed: " + r.describe());
  }
  fetched.emplace(bundle);
  return dir;
}

std::filesystem::path log4j1_config() { return source_dir() / "tools/log4j/log4j.properties"; }
std::filesystem::path log4j2_config() { return source_dir() / "tools/log4j/log4j2.xml"; }

}  // namespace fjord::itest
