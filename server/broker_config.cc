#include "server/broker_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "server/config_def.h"

namespace fjord {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string item = trim(s.substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

template <typename Int>
bool parse_int(std::string_view s, Int* out) {
  std::string t = trim(s);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *out);
  return ec == std::errc() && p == t.data() + t.size() && !t.empty();
}

bool valid_value(ConfigType type, const std::string& v) {
  switch (type) {
    case ConfigType::kBoolean: {
      std::string t = trim(v);
      for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return t == "true" || t == "false";
    }
    case ConfigType::kShort: {
      int16_t x;
      return parse_int(v, &x);
    }
    case ConfigType::kInt: {
      int32_t x;
      return parse_int(v, &x);
    }
    case ConfigType::kLong: {
      int64_t x;
      return parse_int(v, &x);
    }
    case ConfigType::kDouble: {
      std::string t = trim(v);
      char* end = nullptr;
      std::strtod(t.c_str(), &end);
      return !t.empty() && end == t.c_str() + t.size();
    }
    default:
      return true;
  }
}

const char* type_name(ConfigType t) {
  switch (t) {
    case ConfigType::kBoolean: return "a boolean (true or false)";
    case ConfigType::kShort: return "a 16-bit integer";
    case ConfigType::kInt: return "a 32-bit integer";
    case ConfigType::kLong: return "a 64-bit integer";
    case ConfigType::kDouble: return "a number";
    default: return "a string";
  }
}

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

bool is_ipv4_literal(const std::string& host) {
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
}

// Kafka's listener checks beyond the syntax (KafkaConfig, CoreUtils.listenerListToEndPoints).
bool validate_listeners(const std::vector<Listener>& listeners,
                        const std::vector<Listener>& advertised, const std::string& value,
                        std::string* error) {
  for (const Listener& l : listeners) {
    if (l.security_protocol != "PLAINTEXT") {
      *error = "listener " + l.name + " uses security protocol " + l.security_protocol +
               " (listener.security.protocol.map); Fjord serves PLAINTEXT listeners only";
      return false;
    }
  }
  // Each listener its own port; one IPv4 and one IPv6 address may share one (port 0 picks).
  for (size_t i = 0; i < listeners.size(); ++i) {
    for (size_t j = i + 1; j < listeners.size(); ++j) {
      const Listener& a = listeners[i];
      const Listener& b = listeners[j];
      if (a.port == 0 || a.port != b.port) continue;
      bool v4_and_v6 = (is_ipv4_literal(a.host) && b.host.find(':') != std::string::npos) ||
                       (is_ipv4_literal(b.host) && a.host.find(':') != std::string::npos);
      if (!v4_and_v6) {
        *error = "Each listener must have a different port, listeners: " + value;
        return false;
      }
    }
  }
  for (const Listener& adv : advertised) {
    bool known = std::any_of(listeners.begin(), listeners.end(),
                             [&](const Listener& l) { return l.name == adv.name; });
    if (!known) {
      *error = "advertised.listeners listener names must be equal to or a subset of the ones "
               "defined in listeners; " + adv.name + " is not in listeners";
      return false;
    }
    if (adv.host == "0.0.0.0") {
      *error = "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a "
               "routable IP address.";
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::vector<Listener>> parse_listeners(const std::string& value,
                                                     const std::string& protocol_map,
                                                     std::string* error) {
  std::map<std::string, std::string> protocols;
  for (const std::string& entry : split_list(protocol_map)) {
    size_t colon = entry.find(':');
    if (colon == std::string::npos) {
      *error = "listener.security.protocol.map entry '" + entry + "' is not NAME:PROTOCOL";
      return std::nullopt;
    }
    // Kafka's ListenerName.normalised and SecurityProtocol.forName: case-insensitive.
    protocols[upper(entry.substr(0, colon))] = upper(entry.substr(colon + 1));
  }
  std::vector<Listener> out;
  std::set<std::string> names;
  std::set<uint16_t> ports;
  for (const std::string& entry : split_list(value)) {
    size_t sep = entry.find("://");
    size_t colon = entry.rfind(':');
    if (sep == std::string::npos || colon == std::string::npos || colon < sep + 3) {
      *error = "listener '" + entry + "' is not NAME://host:port";
      return std::nullopt;
    }
    Listener l;
    l.name = upper(entry.substr(0, sep));
    l.host = entry.substr(sep + 3, colon - sep - 3);
    if (l.host.size() >= 2 && l.host.front() == '[' && l.host.back() == ']') {
      l.host = l.host.substr(1, l.host.size() - 2);  // IPv6 literal
    }
    int32_t port = -1;
    if (!parse_int(entry.substr(colon + 1), &port) || port < 0 || port > 65535) {
      *error = "listener '" + entry + "' has an invalid port";
      return std::nullopt;
    }
    l.port = static_cast<uint16_t>(port);
    auto proto = protocols.find(l.name);
    if (proto == protocols.end()) {
      *error = "listener name '" + l.name +
               "' is not in listener.security.protocol.map; add it there or rename the listener";
      return std::nullopt;
    }
    l.security_protocol = proto->second;
    if (!names.insert(l.name).second) {
      *error = "listener name '" + l.name + "' appears twice in " + value;
      return std::nullopt;
    }
    out.push_back(std::move(l));
  }
  if (out.empty()) {
    *error = "no listener in '" + value + "'";
    return std::nullopt;
  }
  return out;
}

std::optional<BrokerConfig> BrokerConfig::from_properties(const Properties& props,
                                                          std::string* error,
                                                          std::vector<std::string>* warnings) {
  BrokerConfig c;
  c.props_ = props;
  for (const auto& [key, value] : props) {
    const ConfigDef* def = find_broker_config_def(key);
    if (def == nullptr) {
      if (warnings) warnings->push_back(key);
      continue;
    }
    if (!valid_value(def->type, value)) {
      *error = "invalid value '" + value + "' for configuration " + key + ": expected " +
               type_name(def->type);
      return std::nullopt;
    }
  }
  std::string protocol_map = *c.get("listener.security.protocol.map");
  auto listeners = parse_listeners(*c.get("listeners"), protocol_map, error);
  if (!listeners) return std::nullopt;
  c.listeners_ = std::move(*listeners);
  if (auto adv = c.get("advertised.listeners")) {
    auto parsed = parse_listeners(*adv, protocol_map, error);
    if (!parsed) return std::nullopt;
    c.advertised_ = std::move(*parsed);
  } else {
    c.advertised_ = c.listeners_;
  }
  if (!validate_listeners(c.listeners_, c.advertised_, *c.get("listeners"), error)) {
    return std::nullopt;
  }
  int32_t max_bytes = c.get_int("socket.request.max.bytes");
  if (max_bytes <= 0) {
    *error = "socket.request.max.bytes must be positive";
    return std::nullopt;
  }
  return c;
}

std::optional<std::string> BrokerConfig::get(const std::string& name) const {
  auto it = props_.find(name);
  if (it != props_.end()) return it->second;
  const ConfigDef* def = find_broker_config_def(name);
  if (def && def->default_value) return std::string(*def->default_value);
  return std::nullopt;
}

int64_t BrokerConfig::get_long(const std::string& name) const {
  int64_t v = 0;
  auto s = get(name);
  if (s) parse_int(*s, &v);
  return v;
}

int32_t BrokerConfig::get_int(const std::string& name) const {
  int32_t v = 0;
  auto s = get(name);
  if (s) parse_int(*s, &v);
  return v;
}

bool BrokerConfig::get_bool(const std::string& name) const {
  auto s = get(name);
  if (!s) return false;
  std::string t = trim(*s);
  return t == "true" || t == "TRUE" || t == "True";
}

double BrokerConfig::get_double(const std::string& name) const {
  auto s = get(name);
  return s ? std::strtod(s->c_str(), nullptr) : 0.0;
}

std::vector<std::string> BrokerConfig::log_dirs() const {
  auto dirs = get("log.dirs");
  return split_list(dirs ? *dirs : *get("log.dir"));
}

int64_t BrokerConfig::log_retention_ms() const {
  if (supplied("log.retention.ms")) return get_long("log.retention.ms");
  if (supplied("log.retention.minutes")) return get_long("log.retention.minutes") * 60 * 1000;
  return get_long("log.retention.hours") * 60 * 60 * 1000;
}

int64_t BrokerConfig::log_roll_ms() const {
  if (supplied("log.roll.ms")) return get_long("log.roll.ms");
  return get_long("log.roll.hours") * 60 * 60 * 1000;
}

int64_t BrokerConfig::log_roll_jitter_ms() const {
  if (supplied("log.roll.jitter.ms")) return get_long("log.roll.jitter.ms");
  return get_long("log.roll.jitter.hours") * 60 * 60 * 1000;
}

}  // namespace fjord
