// The fixed 61-byte header of a magic-2 RecordBatch, read and patched in place
// (layout: RECORD-FORMAT.md). Base offset, batch length, partition leader epoch and magic
// sit before the CRC; the CRC-32C covers bytes [21, end). The storage engine uses these
// accessors to assign offsets and leader epochs without touching the CRC.
#pragma once

#include <cstdint>
#include <cstring>

namespace fjord::batch_header {

inline constexpr size_t kBaseOffset = 0;
inline constexpr size_t kBatchLength = 8;
inline constexpr size_t kPartitionLeaderEpoch = 12;
inline constexpr size_t kMagic = 16;
inline constexpr size_t kCrc = 17;
inline constexpr size_t kAttributes = 21;
inline constexpr size_t kLastOffsetDelta = 23;
inline constexpr size_t kBaseTimestamp = 27;
inline constexpr size_t kMaxTimestamp = 35;
inline constexpr size_t kProducerId = 43;
inline constexpr size_t kProducerEpoch = 51;
inline constexpr size_t kBaseSequence = 53;
inline constexpr size_t kRecordsCount = 57;
inline constexpr size_t kSize = 61;
// Bytes of a batch not counted by batchLength (baseOffset + batchLength itself).
inline constexpr size_t kLogOverhead = 12;
// Bytes covered by the magic byte check: a legacy message or a batch has its magic here.
inline constexpr size_t kMagicOffset = kMagic;

inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeMask = 0x08;
inline constexpr int16_t kTransactionalFlag = 0x10;
inline constexpr int16_t kControlFlag = 0x20;
inline constexpr int16_t kDeleteHorizonFlag = 0x40;

template <typename T>
inline T load_be(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (sizeof(T) == 2) v = static_cast<T>(__builtin_bswap16(static_cast<uint16_t>(v)));
  if constexpr (sizeof(T) == 4) v = static_cast<T>(__builtin_bswap32(static_cast<uint32_t>(v)));
  if constexpr (sizeof(T) == 8) v = static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(v)));
  return v;
}
template <typename T>
inline void store_be(uint8_t* p, T v) {
  if constexpr (sizeof(T) == 2) v = static_cast<T>(__builtin_bswap16(static_cast<uint16_t>(v)));
  if constexpr (sizeof(T) == 4) v = static_cast<T>(__builtin_bswap32(static_cast<uint32_t>(v)));
  if constexpr (sizeof(T) == 8) v = static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(v)));
  std::memcpy(p, &v, sizeof(T));
}

// Accessors over a pointer to at least kSize bytes.
inline int64_t base_offset(const uint8_t* b) { return load_be<int64_t>(b + kBaseOffset); }
inline int32_t batch_length(const uint8_t* b) { return load_be<int32_t>(b + kBatchLength); }
inline int32_t partition_leader_epoch(const uint8_t* b) {
  return load_be<int32_t>(b + kPartitionLeaderEpoch);
}
inline int8_t magic(const uint8_t* b) { return static_cast<int8_t>(b[kMagic]); }
inline uint32_t crc(const uint8_t* b) { return load_be<uint32_t>(b + kCrc); }
inline int16_t attributes(const uint8_t* b) { return load_be<int16_t>(b + kAttributes); }
inline int32_t last_offset_delta(const uint8_t* b) { return load_be<int32_t>(b + kLastOffsetDelta); }
inline int64_t base_timestamp(const uint8_t* b) { return load_be<int64_t>(b + kBaseTimestamp); }
inline int64_t max_timestamp(const uint8_t* b) { return load_be<int64_t>(b + kMaxTimestamp); }
inline int64_t producer_id(const uint8_t* b) { return load_be<int64_t>(b + kProducerId); }
inline int16_t producer_epoch(const uint8_t* b) { return load_be<int16_t>(b + kProducerEpoch); }
inline int32_t base_sequence(const uint8_t* b) { return load_be<int32_t>(b + kBaseSequence); }
inline int32_t records_count(const uint8_t* b) { return load_be<int32_t>(b + kRecordsCount); }
// Total bytes of the batch on the wire / on disk.
inline int64_t total_size(const uint8_t* b) { return kLogOverhead + batch_length(b); }
inline int64_t last_offset(const uint8_t* b) { return base_offset(b) + last_offset_delta(b); }

// Outside the CRC: safe to patch without recomputing it.
inline void set_base_offset(uint8_t* b, int64_t v) { store_be<int64_t>(b + kBaseOffset, v); }
inline void set_partition_leader_epoch(uint8_t* b, int32_t v) {
  store_be<int32_t>(b + kPartitionLeaderEpoch, v);
}

}  // namespace fjord::batch_header
