#include "server/properties.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace fjord {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Joins continuation lines into logical lines, as Properties.load does.
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::string current;
  bool continuing = false;
  size_t i = 0;
  while (i <= text.size()) {
    size_t end = text.find_first_of("\r\n", i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(i, end - i);
    i = end + 1;
    if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ++i;

    size_t start = 0;
    while (start < line.size() && is_ws(line[start])) ++start;
    line.remove_prefix(start);
    if (!continuing && (line.empty() || line[0] == '#' || line[0] == '!')) {
      if (end >= text.size()) break;
      continue;
    }
    // An odd number of trailing backslashes continues the line.
    size_t backslashes = 0;
    while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 1) {
      current.append(line.substr(0, line.size() - 1));
      continuing = true;
    } else {
      current.append(line);
      lines.push_back(std::move(current));
      current.clear();
      continuing = false;
    }
    if (end >= text.size()) break;
  }
  if (continuing) lines.push_back(std::move(current));
  return lines;
}

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 == s.size()) {
      out.push_back(c);
      continue;
    }
    char n = s[++i];
    switch (n) {
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        uint32_t cp = 0;
        size_t j = 0;
        for (; j < 4 && i + 1 < s.size(); ++j) {
          char h = s[++i];
          cp <<= 4;
          if (h >= '0' && h <= '9') cp |= static_cast<uint32_t>(h - '0');
          else if (h >= 'a' && h <= 'f') cp |= static_cast<uint32_t>(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F') cp |= static_cast<uint32_t>(h - 'A' + 10);
        }
        append_utf8(out, cp);
        break;
      }
      default: out.push_back(n);
    }
  }
  return out;
}

}  // namespace

Properties parse_properties(std::string_view text) {
  Properties props;
  for (const std::string& line : logical_lines(text)) {
    // The key ends at the first unescaped '=', ':' or whitespace.
    size_t k = 0;
    while (k < line.size()) {
      char c = line[k];
      if (c == '\\') {
        k += 2;
        continue;
      }
      if (c == '=' || c == ':' || is_ws(c)) break;
      ++k;
    }
    size_t key_end = std::min(k, line.size());
    size_t v = key_end;
    while (v < line.size() && is_ws(line[v])) ++v;
    if (v < line.size() && (line[v] == '=' || line[v] == ':')) ++v;
    while (v < line.size() && is_ws(line[v])) ++v;
    props[unescape(std::string_view(line).substr(0, key_end))] =
        unescape(std::string_view(line).substr(std::min(v, line.size())));
  }
  return props;
}

std::optional<Properties> load_properties_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_properties(buf.str());
}

}  // namespace fjord
