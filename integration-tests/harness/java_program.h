// Small Java programs of the project's own (integration-tests/**/*.java), compiled with javac
// against a jar bundle at test time into the build dir, then run like the bundle's tools:
//
//   std::filesystem::path classes = compile_java("integration-tests/flume/RpcClientDemo.java",
//                                                "flume-1.11.0");
//   run_command(java_program_command(classes, "flume-1.11.0", "RpcClientDemo", {host, port}));
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fjord::itest {

// Compiles the source (a path relative to the source tree) against the bundle's jars into
// <build>/integration-tests/java-classes/<bundle>/ and returns that folder. Compiles only when
// the class file named after the source is missing or older than the source; concurrent test
// processes serialise on a lock file. Throws HarnessError if javac fails.
std::filesystem::path compile_java(const std::filesystem::path& source, std::string_view bundle);

// `java -cp <classes>:<bundle>/* <main_class> args...` with a small heap and quiet log4j.
std::vector<std::string> java_program_command(const std::filesystem::path& classes,
                                              std::string_view bundle,
                                              std::string_view main_class,
                                              const std::vector<std::string>& args);

}  // namespace fjord::itest
