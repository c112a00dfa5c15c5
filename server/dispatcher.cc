#include "server/dispatcher.h"

#include <spdlog/spdlog.h>

#include "server/broker.h"
#include "server/handler_table.h"
#include "server/handlers/handlers.h"

namespace fjord {

Dispatcher::Dispatcher(Broker& broker) : broker_(broker), zk_mode_(broker.zk_mode()) {}

asio::awaitable<Outcome> Dispatcher::handle(const ConnectionInfo& conn, Bytes frame) {
  Reader r(frame);
  RequestHeader header;
  DecodeError e = decode_request_header(r, header);
  const ApiInfo* api = find_api(header.api_key);
  if (e != DecodeError::kNone || api == nullptr) {
    spdlog::warn("closing connection from {}: bad request header (api key {}, version {}): {}",
                 conn.peer, header.api_key, header.api_version, decode_error_name(e));
    co_return Outcome::close();
  }
  RequestContext ctx{conn, header, *api, broker_};
  const HandlerEntry* handler = find_handler(header.api_key);
  if (handler != nullptr && !served_in_mode(*handler, zk_mode_)) {
    spdlog::warn("closing connection from {}: {} is served only {} ZooKeeper (client {})",
                 conn.peer, api->name, zk_mode_ ? "without" : "with", ctx.client_id());
    co_return Outcome::close();
  }
  if (handler == nullptr || header.api_version < handler->min_version ||
      header.api_version > handler->max_version) {
    if (header.api_key == static_cast<int16_t>(ApiKey::kApiVersions)) {
      co_return handlers::api_versions_unsupported(ctx);
    }
    spdlog::warn("closing connection from {}: {} v{} is not supported (client {})", conn.peer,
                 api->name, header.api_version, ctx.client_id());
    co_return Outcome::close();
  }
  ByteView body(frame.data() + r.position(), frame.size() - r.position());
  try {
    co_return co_await handler->fn(ctx, body);
  } catch (const std::exception& ex) {
    // Handlers report errors as values; this is the last line so nothing escapes the loop.
    spdlog::error("closing connection from {}: {} v{} failed: {}", conn.peer, api->name,
                  header.api_version, ex.what());
    co_return Outcome::close();
  }
}

}  // namespace fjord
