#include "zk/controlled_shutdown.h"

#include <spdlog/spdlog.h>

#include <future>
#include <thread>

#include "zk/controller_channel.h"

namespace fjord::zk {

bool controlled_shutdown(const FindController& find_controller,
                         const ControlledShutdownOptions& options) {
  for (int attempt = 0; attempt < options.max_retries; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options.retry_backoff_ms));
    }
    const std::optional<ControllerAddress> found = find_controller();
    if (!found) {
      spdlog::warn("[KafkaServer id={}] no controller to ask for a controlled shutdown",
                   options.broker_id);
      continue;
    }
    const int32_t controller = found->id;
    // A controller that is gone refuses the connection: that fails this attempt at once, as in
    // Kafka, rather than after request_timeout_ms of reconnecting.
    ControllerChannel channel(client::ClientConfig{.client_id = "controlled-shutdown",
                                                   .fail_unsent_on_connect_error = true});
    channel.add_broker(controller, found->host, found->port);
    msg::ControlledShutdownRequest req;
    req.broker_id = options.broker_id;
    req.broker_epoch = options.broker_epoch;
    std::promise<std::pair<std::error_code, msg::ControlledShutdownResponse>> answer;
    auto future = answer.get_future();
    channel.send<msg::ControlledShutdownResponse>(
        controller, req, 3, [&answer](std::error_code ec, msg::ControlledShutdownResponse r) {
          answer.set_value({ec, std::move(r)});
        });
    if (future.wait_for(std::chrono::milliseconds(options.request_timeout_ms)) !=
        std::future_status::ready) {
      channel.remove_all();
      future.wait();  // close() fails the request, so the promise is set before it goes
      continue;
    }
    auto [ec, resp] = future.get();
    if (ec || resp.error_code != 0) {
      spdlog::warn("[KafkaServer id={}] controlled shutdown request to controller {} failed: {}",
                   options.broker_id, controller,
                   ec ? ec.message() : std::to_string(resp.error_code));
      continue;
    }
    if (resp.remaining_partitions.empty()) {
      spdlog::info("[KafkaServer id={}] Controlled shutdown request returned successfully",
                   options.broker_id);
      return true;
    }
    spdlog::info("[KafkaServer id={}] Remaining partitions to move: {}", options.broker_id,
                 resp.remaining_partitions.size());
  }
  spdlog::warn("[KafkaServer id={}] Proceeding to do an unclean shutdown as all the controlled "
               "shutdown attempts failed",
               options.broker_id);
  return false;
}

}  // namespace fjord::zk
