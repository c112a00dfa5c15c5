#include "log/offset_map.h"

#include <openssl/evp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace fjord::log {

// One reusable MD5 context: hashing a key allocates nothing.
struct SkimpyOffsetMap::Digest {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Digest() { EVP_MD_CTX_free(ctx); }
};

SkimpyOffsetMap::SkimpyOffsetMap(int64_t memory_bytes)
    : slots_(static_cast<int32_t>(std::clamp<int64_t>(
          memory_bytes / kBytesPerEntry, 1, std::numeric_limits<int32_t>::max() / kBytesPerEntry))),
      bytes_(static_cast<size_t>(slots_) * kBytesPerEntry),
      digest_(std::make_unique<Digest>()) {
  void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || digest_->ctx == nullptr) std::abort();  // out of memory at start-up
  buf_ = static_cast<uint8_t*>(p);
}

SkimpyOffsetMap::~SkimpyOffsetMap() { ::munmap(buf_, bytes_); }

void SkimpyOffsetMap::hash_into(ByteView key, uint8_t* out) const {
  unsigned int n = 0;
  if (EVP_DigestInit_ex(digest_->ctx, EVP_md5(), nullptr) != 1 ||
      EVP_DigestUpdate(digest_->ctx, key.data(), key.size()) != 1 ||
      EVP_DigestFinal_ex(digest_->ctx, out, &n) != 1 || n != kHashSize) {
    std::abort();  // MD5 of a memory buffer cannot fail
  }
}

// Kafka's positionOf: the attempt-th 4-byte big-endian word of the hash (the last word from
// the 13th attempt on) plus the attempts past that, modulo the slots.
size_t SkimpyOffsetMap::position_of(const uint8_t* hash, int32_t attempt) const {
  int32_t at = std::min(attempt, kHashSize - 4);
  uint32_t word = (uint32_t{hash[at]} << 24) | (uint32_t{hash[at + 1]} << 16) |
                  (uint32_t{hash[at + 2]} << 8) | uint32_t{hash[at + 3]};
  int32_t probe = static_cast<int32_t>(word + static_cast<uint32_t>(
                                                  std::max(0, attempt - kHashSize + 4)));
  int32_t abs = probe == std::numeric_limits<int32_t>::min() ? 0 : std::abs(probe);
  return static_cast<size_t>(abs % slots_) * kBytesPerEntry;
}

bool SkimpyOffsetMap::is_empty(size_t position) const {
  static constexpr uint8_t kZero[kBytesPerEntry] = {};
  return std::memcmp(buf_ + position, kZero, kBytesPerEntry) == 0;
}

void SkimpyOffsetMap::put(ByteView key, int64_t offset) {
  uint8_t hash[kHashSize];
  hash_into(key, hash);
  int32_t attempt = 0;
  size_t pos = position_of(hash, attempt);
  while (!is_empty(pos)) {
    if (std::memcmp(buf_ + pos, hash, kHashSize) == 0) {
      std::memcpy(buf_ + pos + kHashSize, &offset, 8);
      latest_offset_ = offset;
      return;
    }
    pos = position_of(hash, ++attempt);
  }
  std::memcpy(buf_ + pos, hash, kHashSize);
  std::memcpy(buf_ + pos + kHashSize, &offset, 8);
  latest_offset_ = offset;
  ++entries_;
}

int64_t SkimpyOffsetMap::get(ByteView key) const {
  uint8_t hash[kHashSize];
  hash_into(key, hash);
  // A full map degrades to a linear scan: bound the attempts, as Kafka does.
  const int64_t max_attempts = int64_t{slots_} + kHashSize - 4;
  for (int32_t attempt = 0; attempt < max_attempts; ++attempt) {
    size_t pos = position_of(hash, attempt);
    if (is_empty(pos)) return -1;
    if (std::memcmp(buf_ + pos, hash, kHashSize) == 0) {
      int64_t offset;
      std::memcpy(&offset, buf_ + pos + kHashSize, 8);
      return offset;
    }
  }
  return -1;
}

void SkimpyOffsetMap::clear() {
  entries_ = 0;
  latest_offset_ = -1;
  // Private anonymous pages read back as zeros after MADV_DONTNEED, and stop counting.
  if (::madvise(buf_, bytes_, MADV_DONTNEED) != 0) std::memset(buf_, 0, bytes_);
}

}  // namespace fjord::log
