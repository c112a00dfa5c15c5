// DescribeCluster (key 60, KIP-700): the cluster id, the live brokers and the controller id:
// on a ZooKeeper cluster the brokers and controller of the controller's last UpdateMetadata (as
// Kafka's ZooKeeper-mode broker answers); on one node this broker, which is its own controller.
// v1 asks for an endpoint type; a broker serves BROKER (1) endpoints only.
#include "server/broker.h"
#include "server/handlers/authorized_operations.h"
#include "server/handlers/handlers.h"
#include "server/handlers/live_brokers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> describe_cluster(RequestContext& ctx, msg::DescribeClusterRequest& req) {
  constexpr int8_t kBrokerEndpoints = 1;
  constexpr int8_t kControllerEndpoints = 2;
  msg::DescribeClusterResponse resp;
  resp.endpoint_type = kBrokerEndpoints;
  if (ctx.version() >= 1 && req.endpoint_type != kBrokerEndpoints) {
    if (req.endpoint_type == kControllerEndpoints) {
      resp.error_code = static_cast<int16_t>(ErrorCode::kMismatchedEndpointType);
      resp.error_message =
          "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type "
          "CONTROLLER";
    } else {
      resp.error_code = static_cast<int16_t>(ErrorCode::kUnsupportedEndpointType);
      resp.error_message = "Unsupported endpoint type " + std::to_string(req.endpoint_type);
    }
    co_return ctx.respond(resp);
  }
  Broker& broker = ctx.broker;
  resp.cluster_id = broker.cluster_id();
  LiveBrokers live = live_brokers(broker, ctx.conn.listener_name);
  for (LiveBroker& b : live.brokers) {
    resp.brokers.push_back({b.id, std::move(b.host), b.port, std::move(b.rack), {}});
  }
  resp.controller_id = live.controller_id;
  if (req.include_cluster_authorized_operations) {
    resp.cluster_authorized_operations = kClusterAuthorizedOperations;
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
