#include "integration-tests/harness/metadata_probe.h"

#include <librdkafka/rdkafka.h>

#include <memory>

namespace fjord::itest {

std::optional<std::vector<int32_t>> metadata_broker_ids(const std::string& bootstrap,
                                                        std::chrono::milliseconds timeout) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "client.id", "fjord-itest-probe", err, sizeof err) !=
          RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return std::nullopt;
  }
  // rd_kafka_new takes ownership of conf on success only.
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err), &rd_kafka_destroy);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return std::nullopt;
  }
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk.get(), 0, nullptr, &md, static_cast<int>(timeout.count())) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  std::vector<int32_t> ids;
  for (int i = 0; i < md->broker_cnt; ++i) ids.push_back(md->brokers[i].id);
  rd_kafka_metadata_destroy(md);
  return ids;
}

}  // namespace fjord::itest
