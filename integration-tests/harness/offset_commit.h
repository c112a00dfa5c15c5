// OffsetCommit of one partition, as the group tests send it over raw sockets (RawConnection).
#pragma once

#include <cstdint>
#include <string>

#include "protocol/generated/offset_commit.h"

namespace fjord::itest {

// Commits `offset` for partition 0 of `topic` in `group`, for `member` in generation (or member
// epoch) `generation`; the defaults are a standalone commit (no member, generation -1).
inline msg::OffsetCommitRequest one_partition_commit(const std::string& group,
                                                     const std::string& topic, int64_t offset,
                                                     const std::string& member = "",
                                                     int32_t generation = -1) {
  msg::OffsetCommitRequest req;
  req.group_id = group;
  req.member_id = member;
  req.generation_id_or_member_epoch = generation;
  msg::OffsetCommitRequest::OffsetCommitRequestTopic t;
  t.name = topic;
  t.partitions.push_back({.partition_index = 0, .committed_offset = offset});
  req.topics.push_back(std::move(t));
  return req;
}

// The partition's error code in the answer to one_partition_commit, or -1 when the answer does
// not name exactly one partition.
inline int16_t one_partition_error(const msg::OffsetCommitResponse& resp) {
  if (resp.topics.size() != 1 || resp.topics[0].partitions.size() != 1) return -1;
  return resp.topics[0].partitions[0].error_code;
}

}  // namespace fjord::itest
