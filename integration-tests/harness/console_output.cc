#include "integration-tests/harness/console_output.h"

#include <sstream>

#include "integration-tests/harness/temp_dir.h"

namespace fjord::itest {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::set<std::string> printed_values(const std::filesystem::path& log) {
  std::set<std::string> out;
  std::istringstream in(read_file(log));
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > 1 && line[0] == 'm' && line.find(' ') == std::string::npos) {
      out.insert(line);
    }
  }
  return out;
}

}  // namespace fjord::itest
