// /latest_producer_id_block: how the brokers of a ZooKeeper-mode cluster share out producer
// ids, as Kafka's ZkProducerIdManager.getNewProducerIdBlock does. The znode holds the last
// block claimed, {"version":1,"broker":<id>,"block_start":"<first>","block_end":"<last>"}
// (ids as strings); a broker claims the next one (block_end + 1 onwards; 0 while the znode has
// no data yet) with a set conditional on the version it read, and reads again when another
// broker was faster. Blocking: call it off the event loops.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "zk/zookeeper_client.h"

namespace fjord::zk {

struct ProducerIdBlock {
  int32_t broker = -1;
  int64_t first = 0;
  int64_t last = -1;  // inclusive
};

std::string encode_producer_id_block(const ProducerIdBlock& block);
std::optional<ProducerIdBlock> decode_producer_id_block(const std::string& json);

// Claims the next block of block_size ids for broker_id. nullopt with *error when ZooKeeper
// cannot be read or written, the znode does not parse, or the ids are exhausted.
std::optional<ProducerIdBlock> claim_producer_id_block(ZooKeeperClient& zk, int32_t broker_id,
                                                       int64_t block_size, std::string* error);

}  // namespace fjord::zk
