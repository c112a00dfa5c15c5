// Parsing of Java .properties files (server.properties), as java.util.Properties.load reads
// them: `key=value`, `key: value` or `key value`; `#` and `!` comments; backslash line
// continuation; \t \n \r \f \\ \uXXXX escapes; leading whitespace ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fjord {

// Ordered so that iteration (and therefore logging) is deterministic.
using Properties = std::map<std::string, std::string>;

Properties parse_properties(std::string_view text);

// Reads a file; nullopt when it cannot be opened.
std::optional<Properties> load_properties_file(const std::string& path);

}  // namespace fjord
