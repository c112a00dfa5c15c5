// Reading what console programs print: their lines, and the values a kafka-console-consumer
// wrote to its log.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace fjord::itest {

// Every line of `text`, empty ones included, without their '\n'.
std::vector<std::string> lines_of(const std::string& text);
// Whether `part` occurs in `text`.
bool contains(const std::string& text, const std::string& part);

// The values a console consumer printed so far to `log`: the lines that start with "m" followed
// by something and hold no space (tests produce values "m<number>"; log lines have spaces).
std::set<std::string> printed_values(const std::filesystem::path& log);

}  // namespace fjord::itest
