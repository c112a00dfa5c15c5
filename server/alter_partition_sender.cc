#include "server/alter_partition_sender.h"

#include <spdlog/spdlog.h>

#include "protocol/generated/alter_partition.h"

namespace fjord {
namespace {
constexpr int16_t kAlterPartitionVersion = 1;
}

AlterPartitionSender::AlterPartitionSender(int32_t broker_id, std::function<int64_t()> broker_epoch,
                                           const MetadataCache& cache, std::string listener)
    : broker_id_(broker_id),
      broker_epoch_(std::move(broker_epoch)),
      cache_(cache),
      listener_(std::move(listener)),
      work_(std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
          io_.get_executor())) {
  thread_ = std::thread([this] { io_.run(); });
}

AlterPartitionSender::~AlterPartitionSender() {
  {
    std::lock_guard lock(mu_);
    if (client_) client_->close();
  }
  work_.reset();
  thread_.join();
}

std::shared_ptr<client::KafkaClient> AlterPartitionSender::controller_client(
    IsrChangeResult* error) {
  auto found = cache_.view()->controller_endpoint(listener_);
  if (!found) {
    error->error = ErrorCode::kNotController;
    return nullptr;
  }
  std::lock_guard lock(mu_);
  if (!client_ || client_for_ != found) {
    if (client_) client_->close();
    client::ClientConfig cc;
    cc.client_id = "broker-" + std::to_string(broker_id_) + "-alter-partition";
    client_ = client::KafkaClient::create(io_.get_executor(), found->host, found->port, cc);
    client_for_ = found;
  }
  return client_;
}

void AlterPartitionSender::on_metadata_update() {
  const int32_t controller = cache_.view()->controller_id;
  std::shared_ptr<client::KafkaClient> stale;
  {
    std::lock_guard lock(mu_);
    if (!client_ || (client_for_ && client_for_->id == controller)) return;
    stale = std::move(client_);
    client_for_.reset();
  }
  spdlog::info("Controller moved to {}: AlterPartition requests still waiting are retried there",
               controller);
  stale->close();  // its waiting requests complete with an error at once
}

void AlterPartitionSender::send(IsrChange change, std::function<void(IsrChangeResult)> done) {
  IsrChangeResult failed;
  auto c = controller_client(&failed);
  if (!c) {
    asio::post(io_, [done, failed] { done(failed); });
    return;
  }
  msg::AlterPartitionRequest req;
  req.broker_id = broker_id_;
  req.broker_epoch = broker_epoch_();
  msg::AlterPartitionRequest::TopicData t;
  t.topic_name = change.tp.topic;
  t.topic_id = change.topic_id;
  t.partitions.push_back({.partition_index = change.tp.partition,
                          .leader_epoch = change.leader_epoch,
                          .new_isr = change.new_isr,
                          .leader_recovery_state = 0,
                          .partition_epoch = change.partition_epoch});
  req.topics.push_back(std::move(t));
  c->async_request<msg::AlterPartitionResponse>(
      req, kAlterPartitionVersion,
      [done, tp = change.tp](std::error_code ec, client::Response<msg::AlterPartitionResponse> r) {
        IsrChangeResult out;
        if (ec) {
          spdlog::warn("AlterPartition for {}-{} failed: {}", tp.topic, tp.partition, ec.message());
          out.error = ErrorCode::kRequestTimedOut;
        } else if (r.body.error_code != 0) {
          out.error = static_cast<ErrorCode>(r.body.error_code);
        } else {
          out.error = ErrorCode::kUnknownTopicOrPartition;
          for (const auto& t : r.body.topics) {
            for (const auto& p : t.partitions) {
              if (p.partition_index != tp.partition) continue;
              out.error = static_cast<ErrorCode>(p.error_code);
              out.leader_epoch = p.leader_epoch;
              out.partition_epoch = p.partition_epoch;
              out.isr = p.isr;
            }
          }
        }
        done(out);
      });
}

}  // namespace fjord
