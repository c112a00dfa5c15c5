// Reading what console programs print: the values a kafka-console-consumer wrote to its log.
#pragma once

#include <filesystem>
#include <set>
#include <string>

namespace fjord::itest {

// The values a console consumer printed so far to `log`: the lines that start with "m" followed
// by something and hold no space (tests produce values "m<number>"; log lines have spaces).
std::set<std::string> printed_values(const std::filesystem::path& log);

}  // namespace fjord::itest
