// DeleteTopics (key 20): by name (v0-5 topic_names, v6 topics[].name) or by id (v6).
//
// The checks are Kafka's. With delete.topic.enable=false every topic gets
// TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3). A single broker answers as a KRaft
// controller (ControllerApis.deleteTopics): an entry with both a name and an id, with neither,
// or repeated gets INVALID_REQUEST with Kafka's message, and unknown topics get the error's
// default message. In ZooKeeper mode (KafkaApis.handleDeleteTopicsRequest) an entry with both
// a name and an id fails the whole request, and errors carry no message.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

using Result = msg::DeleteTopicsResponse::DeletableTopicResult;

struct Entry {
  std::optional<std::string> name;
  Uuid id;
};

Result result(const std::optional<std::string>& name, Uuid id, ErrorCode code,
              std::optional<std::string> message = std::nullopt) {
  Result r;
  r.name = name;
  r.topic_id = id;
  r.error_code = static_cast<int16_t>(code);
  r.error_message = std::move(message);
  return r;
}

}  // namespace

asio::awaitable<Outcome> delete_topics(RequestContext& ctx, msg::DeleteTopicsRequest& req) {
  const int16_t v = ctx.version();
  const bool kraft = !ctx.broker.zk_mode();
  std::vector<Entry> entries;
  if (v >= 6) {
    for (const auto& t : req.topics) entries.push_back({t.name, t.topic_id});
  } else {
    for (const auto& name : req.topic_names) entries.push_back({name, Uuid{}});
  }
  msg::DeleteTopicsResponse resp;
  auto refuse_all = [&](ErrorCode code) {
    for (const Entry& e : entries) resp.responses.push_back(result(e.name, e.id, code));
    return ctx.respond(resp);
  };
  if (!ctx.broker.config().get_bool("delete.topic.enable")) {
    co_return refuse_all(v < 3 ? ErrorCode::kInvalidRequest : ErrorCode::kTopicDeletionDisabled);
  }
  const auto both = [](const Entry& e) { return e.name && !e.id.is_zero(); };
  if (!kraft && std::any_of(entries.begin(), entries.end(), both)) {
    co_return refuse_all(ErrorCode::kInvalidRequest);
  }

  auto snap = ctx.broker.metadata().snapshot();
  // How often each name and id is given (KRaft answers a repeated one once, as a duplicate).
  std::map<std::string, int> names;
  std::vector<Uuid> ids;  // of the entries by id alone, repeats kept
  for (const Entry& e : entries) {
    if (e.name && e.id.is_zero()) ++names[*e.name];
    if (!e.name && !e.id.is_zero()) ids.push_back(e.id);
  }
  auto id_count = [&](const Uuid& id) { return std::count(ids.begin(), ids.end(), id); };
  // Ids of topics also given by name: neither entry deletes, the name gets the one answer.
  std::vector<Uuid> claimed;
  for (const auto& [name, count] : names) {
    const TopicMetadata* t = snap->find(name);
    if (count == 1 && t != nullptr && id_count(t->topic_id) > 0) claimed.push_back(t->topic_id);
  }
  std::vector<Uuid> answered_ids;
  const auto contains = [](const std::vector<Uuid>& in, const Uuid& id) {
    return std::find(in.begin(), in.end(), id) != in.end();
  };
  std::map<std::string, bool> answered_names;

  auto delete_one = [&](const Entry& e) {
    const TopicMetadata* t = e.name ? snap->find(*e.name) : snap->find(e.id);
    if (t == nullptr) {
      const ErrorCode code =
          e.name ? ErrorCode::kUnknownTopicOrPartition : ErrorCode::kUnknownTopicId;
      std::optional<std::string> message;
      if (kraft) {
        message = e.name ? "This server does not host this topic-partition."
                         : "This server does not host this topic ID.";
      }
      return result(e.name, e.id, code, std::move(message));
    }
    Result r = result(t->name, t->topic_id, ErrorCode::kNone);
    StoreStatus st = ctx.broker.delete_topic(t->name);
    r.error_code = static_cast<int16_t>(st.code);
    if (!st.ok()) r.error_message = st.message;
    return r;
  };

  // The metadata store writes its file (or ZooKeeper) and logs are removed: off the loop.
  co_await ctx.broker.blocking().run([&] {
    for (const Entry& e : entries) {
      if (!kraft) {
        resp.responses.push_back(delete_one(e));
        continue;
      }
      if (!e.name && e.id.is_zero()) {
        resp.responses.push_back(result(std::nullopt, Uuid{}, ErrorCode::kInvalidRequest,
                                        "Neither topic name nor id were specified."));
      } else if (both(e)) {
        resp.responses.push_back(result(e.name, e.id, ErrorCode::kInvalidRequest,
                                        "You may not specify both topic name and topic id."));
      } else if (e.name) {
        if (answered_names[*e.name]) continue;
        answered_names[*e.name] = true;
        if (names[*e.name] > 1) {
          resp.responses.push_back(
              result(e.name, Uuid{}, ErrorCode::kInvalidRequest, "Duplicate topic name."));
          continue;
        }
        const TopicMetadata* t = snap->find(*e.name);
        if (t != nullptr && id_count(t->topic_id) > 0) {
          resp.responses.push_back(
              result(e.name, t->topic_id, ErrorCode::kInvalidRequest,
                     "The provided topic name maps to an ID that was already supplied."));
          continue;
        }
        resp.responses.push_back(delete_one(e));
      } else {
        if (contains(answered_ids, e.id)) continue;
        answered_ids.push_back(e.id);
        if (id_count(e.id) > 1) {
          resp.responses.push_back(
              result(std::nullopt, e.id, ErrorCode::kInvalidRequest, "Duplicate topic id."));
        } else if (!contains(claimed, e.id)) {
          resp.responses.push_back(delete_one(e));
        }
      }
    }
    return true;
  });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
