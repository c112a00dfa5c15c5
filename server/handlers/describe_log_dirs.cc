// DescribeLogDirs (key 35): every log dir of this broker with the partitions it holds (all,
// or those the request names), their sizes and offset lag (0: a leader's log end offset is
// never behind its high watermark), and (v4) the file system's total and usable bytes.
// Unknown topics and partitions are left out, as Kafka leaves them out.
#include <filesystem>
#include <map>
#include <set>

#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> describe_log_dirs(RequestContext& ctx, msg::DescribeLogDirsRequest& req) {
  namespace fs = std::filesystem;
  using Resp = msg::DescribeLogDirsResponse;
  const int16_t v = ctx.version();
  // Wanted partitions by topic; nullopt: all.
  std::optional<std::map<std::string, std::set<int32_t>>> wanted;
  if (req.topics) {
    wanted.emplace();
    for (const auto& t : *req.topics) {
      (*wanted)[t.topic].insert(t.partitions.begin(), t.partitions.end());
    }
  }
  // Kafka reports each log dir by its absolute path.
  std::vector<std::pair<fs::path, Resp::DescribeLogDirsResult>> dirs;
  for (const std::string& dir : ctx.broker.config().log_dirs()) {
    Resp::DescribeLogDirsResult r;
    fs::path path = fs::absolute(dir).lexically_normal();
    r.log_dir = path.string();
    if (!r.log_dir.empty() && r.log_dir.back() == '/' && r.log_dir.size() > 1) {
      r.log_dir.pop_back();
    }
    if (v >= 4) {
      std::error_code ec;
      fs::space_info space = fs::space(path, ec);
      if (!ec) {
        r.total_bytes = static_cast<int64_t>(space.capacity);
        r.usable_bytes = static_cast<int64_t>(space.available);
      }
    }
    dirs.emplace_back(fs::path(r.log_dir), std::move(r));
  }
  // Group partitions by topic within their log dir (Kafka's order is a hash order; clients
  // match by name).
  std::map<std::pair<size_t, std::string>, std::vector<Resp::DescribeLogDirsPartition>> found;
  for (const auto& log : ctx.broker.replicas().logs().all_logs()) {
    const auto& tp = log->topic_partition();
    if (wanted) {
      auto it = wanted->find(tp.topic);
      if (it == wanted->end() || !it->second.count(tp.partition)) continue;
    }
    fs::path parent = fs::absolute(log->dir()).lexically_normal().parent_path();
    for (size_t i = 0; i < dirs.size(); ++i) {
      if (dirs[i].first != parent) continue;
      Resp::DescribeLogDirsPartition p;
      p.partition_index = tp.partition;
      p.partition_size = log->size_in_bytes();
      p.offset_lag = std::max<int64_t>(0, log->high_watermark() - log->log_end_offset());
      found[{i, tp.topic}].push_back(p);
    }
  }
  for (auto& [key, partitions] : found) {
    dirs[key.first].second.topics.push_back({key.second, std::move(partitions), {}});
  }
  Resp resp;
  for (auto& [_, r] : dirs) resp.results.push_back(std::move(r));
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
