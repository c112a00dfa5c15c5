// The handlers Fjord has, one row per API key, each with the version range it serves (within
// the codec's range in protocol/api.h). This one table drives dispatch and the ApiVersions
// answer, so what the broker advertises is exactly what it serves.
#pragma once

#include <asio/awaitable.hpp>
#include <span>

#include "protocol/api_codec.h"
#include "server/request_context.h"

namespace fjord {

using HandlerFn = asio::awaitable<Outcome> (*)(RequestContext& ctx, ByteView body);

struct HandlerEntry {
  int16_t api_key;
  int16_t min_version;
  int16_t max_version;
  HandlerFn fn;
};

// Sorted by api key.
std::span<const HandlerEntry> handler_table();
const HandlerEntry* find_handler(int16_t api_key);

// Whether a broker in this mode serves h, as Kafka's brokers of that mode do; what it does not
// serve is left out of ApiVersions and a request for it closes the connection. In ZooKeeper
// mode the APIs whose listeners include zkBroker: the KRaft-only client API
// DescribeTopicPartitions is left out, so clients fall back as they do with Kafka's
// ZooKeeper-mode brokers (the Admin client's describeTopics to Metadata: kafka-topics
// --describe prints "Elr: N/A"). Without ZooKeeper, as a KRaft broker, those whose listeners
// include broker: the controller-to-broker APIs (LeaderAndIsr, StopReplica, UpdateMetadata,
// ControlledShutdown, AlterPartition) are left out, so no client can, say, delete a
// partition's log with a StopReplica.
bool served_in_mode(const HandlerEntry& h, bool zk_mode);

// Decodes the body as Request (the whole body, nothing left over) and runs fn on it.
// A body that does not decode closes the connection, as Kafka does for a malformed request.
template <typename Request, asio::awaitable<Outcome> (*Fn)(RequestContext&, Request&)>
asio::awaitable<Outcome> decode_and_handle(RequestContext& ctx, ByteView body) {
  Request request;
  DecodeError e = msg::decode_exact(request, body, ctx.version());
  if (e != DecodeError::kNone) {
    spdlog::warn("closing connection from {}: cannot decode {} v{} (correlation id {}): {}",
                 ctx.conn.peer, ctx.api.name, ctx.version(), ctx.header.correlation_id,
                 decode_error_name(e));
    co_return Outcome::close();
  }
  co_return co_await Fn(ctx, request);
}

}  // namespace fjord
