// Kafka's Uuid as text and random ids: Uuid.toString / fromString use URL-safe base64 without
// padding (22 characters); Uuid.randomUuid never returns the zero id, METADATA_TOPIC_ID, or an
// id whose text starts with '-'.
// Topic ids, cluster ids and partition.metadata files all use this form.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/wire.h"

namespace fjord {

std::string uuid_to_base64(const Uuid& id);
std::optional<Uuid> uuid_from_base64(std::string_view text);
Uuid random_uuid();

}  // namespace fjord
