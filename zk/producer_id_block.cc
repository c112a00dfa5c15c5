#include "zk/producer_id_block.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

namespace fjord::zk {
namespace {

constexpr const char* kPath = "/latest_producer_id_block";

std::optional<int64_t> parse_id(const nlohmann::json& j) {
  if (!j.is_string()) return std::nullopt;
  const std::string& s = j.get_ref<const std::string&>();
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::string encode_producer_id_block(const ProducerIdBlock& block) {
  nlohmann::json j = nlohmann::json::object();
  j["version"] = 1;
  j["broker"] = block.broker;
  j["block_start"] = std::to_string(block.first);
  j["block_end"] = std::to_string(block.last);
  return j.dump();
}

std::optional<ProducerIdBlock> decode_producer_id_block(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("broker") || !j["broker"].is_number_integer() ||
      !j.contains("block_start") || !j.contains("block_end")) {
    return std::nullopt;
  }
  auto first = parse_id(j["block_start"]);
  auto last = parse_id(j["block_end"]);
  if (!first || !last || *last < *first) return std::nullopt;
  return ProducerIdBlock{j["broker"].get<int32_t>(), *first, *last};
}

std::optional<ProducerIdBlock> claim_producer_id_block(ZooKeeperClient& zk, int32_t broker_id,
                                                       int64_t block_size, std::string* error) {
  // Kafka retries until it wins; other brokers only claim once per block_size producers, so a
  // bounded number of rounds is plenty.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string data;
    ZkStat stat;
    ZkCode rc = zk.get(kPath, &data, &stat);
    if (rc == ZkCode::kNoNode) {
      // Normally every broker creates the path at start-up (empty data).
      rc = zk.create_recursive(kPath);
      if (rc != ZkCode::kOk && rc != ZkCode::kNodeExists) break;
      continue;
    }
    if (rc != ZkCode::kOk) {
      *error = std::string("cannot read ") + kPath + ": " + zk_code_name(rc);
      return std::nullopt;
    }
    ProducerIdBlock next{broker_id, 0, block_size - 1};
    if (!data.empty()) {
      auto current = decode_producer_id_block(data);
      if (!current) {
        *error = std::string(kPath) + " does not hold a producer id block: " + data;
        return std::nullopt;
      }
      if (current->last > std::numeric_limits<int64_t>::max() - block_size) {
        *error = "Have exhausted all producerIds.";
        return std::nullopt;
      }
      next.first = current->last + 1;
      next.last = current->last + block_size;
    }
    rc = zk.set(kPath, encode_producer_id_block(next), stat.version);
    if (rc == ZkCode::kOk) {
      spdlog::info("Acquired new producerId block (brokerId:{},blockStartProducerId:{},"
                   "blockEndProducerId:{}) by writing to Zk with path version {}",
                   broker_id, next.first, next.last, stat.version + 1);
      return next;
    }
    if (rc != ZkCode::kBadVersion) {
      *error = std::string("cannot write ") + kPath + ": " + zk_code_name(rc);
      return std::nullopt;
    }
  }
  *error = std::string("cannot claim a producer id block in ") + kPath;
  return std::nullopt;
}

}  // namespace fjord::zk
