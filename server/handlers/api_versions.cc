// ApiVersions (key 18): the APIs and versions this broker serves, from the handler table.

#include "server/broker.h"
#include "server/handler_table.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

msg::ApiVersionsResponse supported_versions(bool zk_mode) {
  msg::ApiVersionsResponse resp;
  for (const HandlerEntry& h : handler_table()) {
    if (!served_in_mode(h, zk_mode)) continue;
    resp.api_keys.push_back({h.api_key, h.min_version, h.max_version, {}});
  }
  return resp;
}

// KIP-511: software name and version must match Kafka's
// [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? , else INVALID_REQUEST: letters, digits, '-' and
// '.', beginning and ending with a letter or digit. (Checked by hand: std::regex costs far more,
// and GCC 12 warns inside it under the sanitizers.)
bool valid_software_field(const std::string& s) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

}  // namespace

asio::awaitable<Outcome> api_versions(RequestContext& ctx, msg::ApiVersionsRequest& req) {
  msg::ApiVersionsResponse resp = supported_versions(ctx.broker.zk_mode());
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
