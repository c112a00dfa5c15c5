#include "integration-tests/harness/java_tool.h"

#include <algorithm>
#include <sstream>

#include "integration-tests/harness/paths.h"

namespace fjord::itest {

JavaTool::JavaTool(std::string_view bundle) : bundle_(bundle), dir_(jar_bundle(bundle)) {
  // Kafka 2.8 ships log4j 1.2, Kafka 3.x reload4j (same API); Kafka 4.x and Flume log4j 2.
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("reload4j-") || name.starts_with("log4j-1.2")) log4j1_ = true;
  }
}

std::vector<std::string> JavaTool::command(std::string_view main_class,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& jvm_options) const {
  std::vector<std::string> argv = {"java"};
  bool sized = std::any_of(jvm_options.begin(), jvm_options.end(),
                           [](const std::string& o) { return o.starts_with("-Xmx"); });
  if (!sized) {
    // Console tools run for seconds: the C1 JIT alone and a serial GC start fastest.
    argv.insert(argv.end(), {"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"});
  }
  argv.insert(argv.end(), jvm_options.begin(), jvm_options.end());
  argv.push_back("-Djava.awt.headless=true");
  if (log4j1_) {
    argv.push_back("-Dlog4j.configuration=file:" + log4j1_config().string());
  } else {
    argv.push_back("-Dlog4j2.configurationFile=" + log4j2_config().string());
  }
  argv.push_back("-cp");
  argv.push_back((dir_ / "*").string());
  argv.emplace_back(main_class);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

CommandResult JavaTool::run(std::string_view main_class, const std::vector<std::string>& args,
                            const RunOptions& options,
                            const std::vector<std::string>& jvm_options) const {
  return run_command(command(main_class, args, jvm_options), options);
}

std::map<std::string, int> described_members(const std::string& out, const std::string& group) {
  std::map<std::string, int> result;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    if (w.size() >= 5 && w[0] == group) {
      try {
        result[w[1]] = std::stoi(w[4]);
      } catch (const std::exception&) {
      }
    }
  }
  return result;
}

}  // namespace fjord::itest
