#include "log/log_config.h"

#include <charconv>
#include <string>

namespace fjord::log {

namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  out = v;
  return true;
}

bool parse_double(std::string_view s, double& out) {
  try {
    size_t used = 0;
    double v = std::stod(std::string(s), &used);
    if (used != s.size()) return false;
    out = v;
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

Result<void> LogConfig::set(std::string_view key, std::string_view value) {
  bool ok = true;
  if (key == "segment.bytes")
    ok = parse_number(value, segment_bytes) && segment_bytes >= 14;
  else if (key == "segment.ms")
    ok = parse_number(value, segment_ms) && segment_ms >= 1;
  else if (key == "segment.jitter.ms")
    ok = parse_number(value, segment_jitter_ms);
  else if (key == "segment.index.bytes")
    ok = parse_number(value, segment_index_bytes) && segment_index_bytes >= 8;
  else if (key == "index.interval.bytes")
    ok = parse_number(value, index_interval_bytes);
  else if (key == "max.message.bytes")
    ok = parse_number(value, max_message_bytes);
  else if (key == "retention.ms")
    ok = parse_number(value, retention_ms);
  else if (key == "retention.bytes")
    ok = parse_number(value, retention_bytes);
  else if (key == "delete.retention.ms")
    ok = parse_number(value, delete_retention_ms);
  else if (key == "min.cleanable.dirty.ratio")
    ok = parse_double(value, min_cleanable_dirty_ratio);
  else if (key == "min.compaction.lag.ms")
    ok = parse_number(value, min_compaction_lag_ms);
  else if (key == "max.compaction.lag.ms")
    ok = parse_number(value, max_compaction_lag_ms);
  else if (key == "flush.messages")
    ok = parse_number(value, flush_messages);
  else if (key == "flush.ms")
    ok = parse_number(value, flush_ms);
  else if (key == "message.timestamp.difference.max.ms")
    ok = parse_number(value, timestamp_difference_max_ms) && timestamp_difference_max_ms >= 0;
  else if (key == "message.timestamp.before.max.ms")
    ok = parse_number(value, timestamp_before_max_ms) && timestamp_before_max_ms >= 0;
  else if (key == "message.timestamp.after.max.ms")
    ok = parse_number(value, timestamp_after_max_ms) && timestamp_after_max_ms >= 0;
  else if (key == "file.delete.delay.ms")
    ok = parse_number(value, file_delete_delay_ms);
  else if (key == "preallocate")
    ok = (value == "true" || value == "false"), preallocate = value == "true";
  else if (key == "message.timestamp.type") {
    if (value == "CreateTime")
      timestamp_type = TimestampType::kCreateTime;
    else if (value == "LogAppendTime")
      timestamp_type = TimestampType::kLogAppendTime;
    else
      ok = false;
  } else if (key == "cleanup.policy") {
    bool compact = false, del = false;
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string_view item =
          value.substr(start, comma == std::string_view::npos ? value.npos : comma - start);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == "compact")
        compact = true;
      else if (item == "delete")
        del = true;
      else if (!item.empty())
        ok = false;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (ok) cleanup_compact = compact, cleanup_delete = del;
  } else {
    return ErrorCode::kInvalidConfig;
  }
  if (!ok) return ErrorCode::kInvalidConfig;
  return {};
}

}  // namespace fjord::log
