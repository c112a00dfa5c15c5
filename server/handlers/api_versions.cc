// ApiVersions (key 18): the APIs and versions this broker serves, from the handler table.
#include <regex>

#include "server/handler_table.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

msg::ApiVersionsResponse supported_versions() {
  msg::ApiVersionsResponse resp;
  for (const HandlerEntry& h : handler_table()) {
    resp.api_keys.push_back({h.api_key, h.min_version, h.max_version, {}});
  }
  return resp;
}

// KIP-511: software name and version must match this pattern, else INVALID_REQUEST.
bool valid_software_field(const std::string& s) {
  static const std::regex kPattern("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");
  return std::regex_match(s, kPattern);
}

}  // namespace

asio::awaitable<Outcome> api_versions(RequestContext& ctx, msg::ApiVersionsRequest& req) {
  msg::ApiVersionsResponse resp = supported_versions();
  if (ctx.version() >= 3 && (!valid_software_field(req.client_software_name) ||
                             !valid_software_field(req.client_software_version))) {
    resp.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
  }
  co_return ctx.respond(resp);
}

Outcome api_versions_unsupported(RequestContext& ctx) {
  // Kafka (ApiVersionsRequest.getErrorResponse) lists only ApiVersions itself, so the client
  // can retry with a version both sides know.
  msg::ApiVersionsResponse resp;
  const HandlerEntry* self = find_handler(static_cast<int16_t>(ApiKey::kApiVersions));
  resp.api_keys.push_back({self->api_key, self->min_version, self->max_version, {}});
  resp.error_code = static_cast<int16_t>(ErrorCode::kUnsupportedVersion);
  return ctx.respond(resp, 0);
}

}  // namespace fjord::handlers
