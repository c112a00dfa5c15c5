// Small pieces the group API handlers share: the coordinator of this broker, the client host
// as Kafka reports it ("/127.0.0.1"), and the "does this topic partition exist" check that
// KafkaApis applies before the coordinator sees an OffsetCommit or OffsetDelete.
#pragma once

#include <string>

#include "coordinator/group_coordinator.h"
#include "server/broker.h"
#include "server/request_context.h"

namespace fjord {

inline coordinator::GroupCoordinator& group_coordinator(RequestContext& ctx) {
  return ctx.broker.groups().coordinator();
}

inline std::string client_host(const RequestContext& ctx) {
  const std::string& peer = ctx.conn.peer;
  auto colon = peer.rfind(':');
  std::string ip = colon == std::string::npos ? peer : peer.substr(0, colon);
  if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  return "/" + ip;
}

inline coordinator::PartitionExists partition_exists(RequestContext& ctx) {
  return [snap = ctx.broker.metadata().snapshot()](const std::string& topic, int32_t p) {
    const TopicMetadata* t = snap->find(topic);
    return t != nullptr && p >= 0 && static_cast<size_t>(p) < t->partitions.size();
  };
}

}  // namespace fjord
