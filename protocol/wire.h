// Bounds-checked readers and writers for Kafka's primitive wire types: big-endian fixed-width
// integers, unsigned and zig-zag varints, UUIDs, float64, and the length prefixes of classic
// and compact strings, bytes and arrays.
//
// A Reader never reads past its buffer: the first failure is recorded as a DecodeError, every
// later read returns a zero value, and callers check ok() once at the end of a message. No
// exceptions, no undefined behaviour on hostile input. Not thread-safe; cheap to copy.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fjord {

enum class DecodeError : uint8_t {
  kNone = 0,
  kTruncated,         // the buffer ends before the value does
  kNegativeLength,    // a length below -1 (or -1 where null is not allowed)
  kVarintTooLong,     // more than 5 (varint) or 10 (varlong) bytes
  kTooLarge,          // a length or count that cannot fit in what is left
  kInvalidValue,      // a value outside what the format allows
  kUnsupportedVersion,
  kTrailingBytes,     // bytes left over after a complete message
};

std::string_view decode_error_name(DecodeError e);

struct Uuid {
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const Uuid&, const Uuid&) = default;
  bool is_zero() const { return *this == Uuid{}; }
};

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class Reader {
 public:
  Reader() = default;
  explicit Reader(ByteView buf) : data_(buf.data()), size_(buf.size()) {}

  bool ok() const { return error_ == DecodeError::kNone; }
  DecodeError error() const { return error_; }
  void fail(DecodeError e) {
    if (error_ == DecodeError::kNone) error_ = e;
    pos_ = size_;
  }
  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  bool at_end() const { return pos_ == size_; }

  int8_t read_int8() { return static_cast<int8_t>(read_be<uint8_t>()); }
  uint8_t read_uint8() { return read_be<uint8_t>(); }
  bool read_bool() { return read_be<uint8_t>() != 0; }
  int16_t read_int16() { return static_cast<int16_t>(read_be<uint16_t>()); }
  uint16_t read_uint16() { return read_be<uint16_t>(); }
  int32_t read_int32() { return static_cast<int32_t>(read_be<uint32_t>()); }
  uint32_t read_uint32() { return read_be<uint32_t>(); }
  int64_t read_int64() { return static_cast<int64_t>(read_be<uint64_t>()); }
  double read_float64() { return std::bit_cast<double>(read_be<uint64_t>()); }

  uint32_t read_uvarint() { return static_cast<uint32_t>(read_uvar(5)); }
  uint64_t read_uvarlong() { return read_uvar(10); }
  int32_t read_varint() {
    uint32_t v = read_uvarint();
    return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  int64_t read_varlong() {
    uint64_t v = read_uvarlong();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }

  Uuid read_uuid() {
    Uuid u;
    ByteView raw = read_raw(16);
    if (raw.size() == 16) std::memcpy(u.bytes.data(), raw.data(), 16);
    return u;
  }

  // The next n bytes as a view into the buffer (empty and failed if fewer remain).
  ByteView read_raw(size_t n) {
    if (n > remaining()) {
      fail(DecodeError::kTruncated);
      return {};
    }
    ByteView v(data_ + pos_, n);
    pos_ += n;
    return v;
  }
  void skip(size_t n) { (void)read_raw(n); }

  // Length prefixes. Return -1 for null, else the length, already checked against remaining()
  // (for arrays: against remaining() / min_element_size, so a hostile count cannot make the
  // caller reserve gigabytes).
  int32_t read_string_length(bool compact) {
    int64_t n = compact ? static_cast<int64_t>(read_uvarint()) - 1 : read_int16();
    return check_length(n, 1);
  }
  int32_t read_bytes_length(bool compact) {
    int64_t n = compact ? static_cast<int64_t>(read_uvarint()) - 1 : read_int32();
    return check_length(n, 1);
  }
  int32_t read_array_length(bool compact, size_t min_element_size) {
    int64_t n = compact ? static_cast<int64_t>(read_uvarint()) - 1 : read_int32();
    return check_length(n, min_element_size == 0 ? 1 : min_element_size);
  }

  // A string of the given checked length as a view into the buffer.
  std::string_view read_string_view(int32_t length) {
    if (length < 0) return {};
    ByteView raw = read_raw(static_cast<size_t>(length));
    return {reinterpret_cast<const char*>(raw.data()), raw.size()};
  }

 private:
  template <typename T>
  T read_be() {
    if (sizeof(T) > remaining()) {
      fail(DecodeError::kTruncated);
      return 0;
    }
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    if constexpr (sizeof(T) > 1 && std::endian::native == std::endian::little) v = byteswap(v);
    return v;
  }

  template <typename T>
  static T byteswap(T v) {
    if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(v));
    if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(v));
    if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(v));
    return v;
  }

  uint64_t read_uvar(int max_bytes) {
    uint64_t result = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (pos_ >= size_) {
        fail(DecodeError::kTruncated);
        return 0;
      }
      uint8_t b = data_[pos_++];
      result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return result;
    }
    fail(DecodeError::kVarintTooLong);
    return 0;
  }

  int32_t check_length(int64_t n, size_t min_unit) {
    if (!ok()) return -1;
    if (n < -1) {
      fail(DecodeError::kNegativeLength);
      return -1;
    }
    if (n > 0 && static_cast<uint64_t>(n) > remaining() / min_unit) {
      fail(DecodeError::kTooLarge);
      return -1;
    }
    return static_cast<int32_t>(n);
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  DecodeError error_ = DecodeError::kNone;
};

// Size in bytes of an unsigned varint / zig-zag varint.
constexpr size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
constexpr uint64_t zigzag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr uint32_t zigzag32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
constexpr size_t varint_size(int32_t v) { return uvarint_size(zigzag32(v)); }
constexpr size_t varlong_size(int64_t v) { return uvarint_size(zigzag64(v)); }

struct Splice;  // records_ref.h

// Appends Kafka primitives to a byte buffer it does not own. With a splice sink, encoders of
// `records` fields that name a file region (records_ref.h) write only the length prefix and
// record where the file bytes go, so the network layer can sendfile them.
class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  Writer(Bytes& out, std::vector<Splice>* splices) : out_(out), splices_(splices) {}

  size_t position() const { return out_.size(); }
  Bytes& buffer() { return out_; }
  std::vector<Splice>* splices() const { return splices_; }

  void write_int8(int8_t v) { out_.push_back(static_cast<uint8_t>(v)); }
  void write_uint8(uint8_t v) { out_.push_back(v); }
  void write_bool(bool v) { out_.push_back(v ? 1 : 0); }
  void write_int16(int16_t v) { write_be(static_cast<uint16_t>(v)); }
  void write_uint16(uint16_t v) { write_be(v); }
  void write_int32(int32_t v) { write_be(static_cast<uint32_t>(v)); }
  void write_uint32(uint32_t v) { write_be(v); }
  void write_int64(int64_t v) { write_be(static_cast<uint64_t>(v)); }
  void write_float64(double v) { write_be(std::bit_cast<uint64_t>(v)); }
  void write_uvarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(v));
  }
  void write_varint(int32_t v) { write_uvarint(zigzag32(v)); }
  void write_varlong(int64_t v) { write_uvarint(zigzag64(v)); }
  void write_uuid(const Uuid& u) { write_raw(u.bytes); }
  void write_raw(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }

  // Length prefixes: -1 means null.
  void write_string_length(int32_t n, bool compact) {
    if (compact) write_uvarint(static_cast<uint64_t>(static_cast<int64_t>(n) + 1));
    else write_int16(static_cast<int16_t>(n));
  }
  void write_bytes_length(int32_t n, bool compact) {
    if (compact) write_uvarint(static_cast<uint64_t>(static_cast<int64_t>(n) + 1));
    else write_int32(n);
  }
  void write_array_length(int32_t n, bool compact) { write_bytes_length(n, compact); }

  // Overwrites 4 bytes at pos (for sizes known only after the body is written).
  void patch_int32(size_t pos, int32_t v) {
    uint32_t be = static_cast<uint32_t>(v);
    if constexpr (std::endian::native == std::endian::little) be = __builtin_bswap32(be);
    std::memcpy(out_.data() + pos, &be, 4);
  }

 private:
  template <typename T>
  void write_be(T v) {
    if constexpr (std::endian::native == std::endian::little) {
      if constexpr (sizeof(T) == 2) v = static_cast<T>(__builtin_bswap16(v));
      if constexpr (sizeof(T) == 4) v = static_cast<T>(__builtin_bswap32(v));
      if constexpr (sizeof(T) == 8) v = static_cast<T>(__builtin_bswap64(v));
    }
    size_t at = out_.size();
    out_.resize(at + sizeof(T));
    std::memcpy(out_.data() + at, &v, sizeof(T));
  }

  Bytes& out_;
  std::vector<Splice>* splices_ = nullptr;
};

}  // namespace fjord
