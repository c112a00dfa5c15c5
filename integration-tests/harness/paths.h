// Where the integration tests find the project's files and the programs they run.
#pragma once

#include <filesystem>
#include <string_view>

namespace fjord::itest {

// The source tree (compile definition FJORD_SOURCE_DIR).
std::filesystem::path source_dir();

// The Fjord broker binary: $FJORD_SERVER_BIN if set, else the compile definition
// FJORD_SERVER_BIN (<build>/bin/fjord-server). It may not exist.
std::filesystem::path server_binary();

// The folder holding a jar bundle (for example "kafka-3.9.0"), fetched from Maven Central by
// tools/fetch-jars.sh the first time a test needs it ($FJORD_JARS_DIR overrides the cache,
// default <source>/.cache/jars). Thread-safe. Throws HarnessError if the fetch fails.
std::filesystem::path jar_bundle(std::string_view bundle);

// The quiet (warnings only) logging configs in tools/log4j/.
std::filesystem::path log4j1_config();
std::filesystem::path log4j2_config();

}  // namespace fjord::itest
