// Asks a broker for cluster metadata with librdkafka: the readiness check for brokers that
// tests start ("serving" means a real client gets an answer, not just a TCP accept).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fjord::itest {

// The broker ids in a Metadata response from bootstrap ("host:port[,host:port]"), or nullopt
// if no answer came within timeout. librdkafka's own logging is silenced.
std::optional<std::vector<int32_t>> metadata_broker_ids(const std::string& bootstrap,
                                                        std::chrono::milliseconds timeout);

}  // namespace fjord::itest
