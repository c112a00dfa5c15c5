// ProducerIdManager hands out producer ids (InitProducerId) that never repeat, across
// restarts included. Like Kafka's controller it allocates them in blocks (1000 by default).
// A broker alone writes the start of the next block to <dir>/producer-id-block before the
// first id of a block is handed out (atomically: temp file, fsync, rename), so after a crash
// it resumes above every id it may have handed out, at the cost of skipping the rest of a
// block. In a cluster the ids must not repeat across brokers either (two idempotent producers
// with one id would have each other's batches taken for duplicates): there a BlockSource
// claims each block for the whole cluster (ZooKeeper's /latest_producer_id_block).
//
// Thread-safe: generate() may be called from any thread. Once per block (1000 ids by default)
// it claims the next one (a file write with fsync, or a ZooKeeper round trip) on the thread
// that calls it, and blocks it meanwhile: never call it on an event loop (the InitProducerId
// handler runs it on the broker's blocking pool).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "protocol/result.h"

namespace fjord::coordinator {

class ProducerIdManager {
 public:
  static constexpr int64_t kDefaultBlockSize = 1000;
  static constexpr std::string_view kFileName = "producer-id-block";

  // Reads (or creates) the block file in dir. KAFKA_STORAGE_ERROR when it cannot be read or
  // is corrupt.
  static Result<std::unique_ptr<ProducerIdManager>> open(const std::filesystem::path& dir,
                                                         int64_t block_size = kDefaultBlockSize);
  // Claims a block of block_size ids that no other broker gets and returns its first id, or
  // an error (generate() then fails, and the next call tries again).
  using BlockSource = std::function<Result<int64_t>(int64_t block_size)>;
  static std::unique_ptr<ProducerIdManager> with_source(BlockSource source,
                                                        int64_t block_size = kDefaultBlockSize);

  // The next producer id, or KAFKA_STORAGE_ERROR when a new block cannot be persisted.
  Result<int64_t> generate();

 private:
  ProducerIdManager(std::filesystem::path file, int64_t next_block_start, int64_t block_size)
      : file_(std::move(file)), next_block_start_(next_block_start), block_size_(block_size) {}

  std::filesystem::path file_;  // empty with a source_
  BlockSource source_;
  std::mutex mu_;
  int64_t next_id_ = 0;           // next id to hand out
  int64_t block_end_ = 0;         // end of the current block (exclusive); next_id_ == end: none
  int64_t next_block_start_ = 0;  // the first id of the next block (what the file holds)
  int64_t block_size_;
};

}  // namespace fjord::coordinator
