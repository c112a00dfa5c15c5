#include "protocol/records/record.h"

namespace fjord {
namespace {

// Deltas from hostile input may overflow; wrap instead of undefined behaviour.
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// A varint length that may be -1 (null) and must fit in what is left.
bool read_nullable(Reader& r, std::optional<ByteView>& out) {
  int32_t n = r.read_varint();
  if (!r.ok() || n < -1) return false;
  if (n == -1) {
    out.reset();
    return true;
  }
  if (static_cast<size_t>(n) > r.remaining()) return false;
  out = r.read_raw(static_cast<size_t>(n));
  return true;
}

// Kafka (DefaultRecord.readHeaders): a header key is never null.
bool read_header(Reader& r, RecordHeader& out) {
  int32_t key_length = r.read_varint();
  if (!r.ok() || key_length < 0 || static_cast<size_t>(key_length) > r.remaining()) return false;
  out.key = r.read_string_view(key_length);
  return read_nullable(r, out.value);
}

// Pointer-walking varints for skip(): p advances; false when the bytes end first or the
// varint is too long (Reader's limits: 5 bytes, 10 for a varlong).
template <int kMaxBytes>
bool read_uvar(const uint8_t*& p, const uint8_t* end, uint64_t& out) {
  uint64_t result = 0;
  for (int i = 0; i < kMaxBytes; ++i) {
    if (p == end) return false;
    uint8_t b = *p++;
    result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      out = result;
      return true;
    }
  }
  return false;
}
bool read_varint(const uint8_t*& p, const uint8_t* end, int32_t& out) {
  uint64_t v;
  if (!read_uvar<5>(p, end, v)) return false;
  auto u = static_cast<uint32_t>(v);
  out = static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}
bool read_varlong(const uint8_t*& p, const uint8_t* end, int64_t& out) {
  uint64_t v;
  if (!read_uvar<10>(p, end, v)) return false;
  out = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}
// A length of at least `min` (-1: nullable) that fits in what is left, and its bytes.
bool skip_sized(const uint8_t*& p, const uint8_t* end, int32_t min) {
  int32_t n;
  if (!read_varint(p, end, n) || n < min) return false;
  if (n > 0) {
    if (static_cast<size_t>(n) > static_cast<size_t>(end - p)) return false;
    p += n;
  }
  return true;
}

}  // namespace

bool RecordReader::skip(int32_t& offset_delta, int64_t& timestamp) {
  if (read_ >= count_) {
    if (error_ == RecordError::kNone && pos_ != data_.size()) {
      return fail(RecordError::kRecordCountMismatch);
    }
    return false;
  }
  if (pos_ >= data_.size()) return fail(RecordError::kRecordCountMismatch);
  const uint8_t* p = data_.data() + pos_;
  const uint8_t* end = data_.data() + data_.size();
  int32_t length;
  if (!read_varint(p, end, length) || length < 0 ||
      static_cast<size_t>(length) > static_cast<size_t>(end - p)) {
    return fail(RecordError::kInvalidRecord);
  }
  const uint8_t* body_end = p + length;
  int64_t timestamp_delta;
  int32_t headers;
  if (p == body_end) return fail(RecordError::kInvalidRecord);  // no attributes byte
  ++p;
  if (!read_varlong(p, body_end, timestamp_delta) || !read_varint(p, body_end, offset_delta) ||
      !skip_sized(p, body_end, -1) || !skip_sized(p, body_end, -1) ||
      !read_varint(p, body_end, headers) || headers < 0 ||
      static_cast<size_t>(headers) > static_cast<size_t>(body_end - p) / 2) {
    return fail(RecordError::kInvalidRecord);
  }
  for (int32_t i = 0; i < headers; ++i) {
    // A header key is never null; its value may be.
    if (!skip_sized(p, body_end, 0) || !skip_sized(p, body_end, -1)) {
      return fail(RecordError::kInvalidRecord);
    }
  }
  if (p != body_end) return fail(RecordError::kInvalidRecord);
  timestamp = context_.log_append_time ? context_.max_timestamp
                                       : wrapping_add(context_.base_timestamp, timestamp_delta);
  pos_ = static_cast<size_t>(body_end - data_.data());
  ++read_;
  return true;
}

bool HeaderIterator::next(RecordHeader& out) {
  if (left_ <= 0) return false;
  if (!read_header(reader_, out)) {
    error_ = RecordError::kInvalidRecord;
    left_ = 0;
    return false;
  }
  --left_;
  return true;
}

bool RecordReader::next(Record& out) {
  if (read_ >= count_) {
    if (error_ == RecordError::kNone && pos_ != data_.size()) {
      return fail(RecordError::kRecordCountMismatch);  // bytes beyond the last counted record
    }
    return false;
  }
  if (pos_ >= data_.size()) return fail(RecordError::kRecordCountMismatch);
  Reader outer(data_.subspan(pos_));
  int32_t length = outer.read_varint();
  if (!outer.ok() || length < 0 || static_cast<size_t>(length) > outer.remaining()) {
    return fail(RecordError::kInvalidRecord);
  }
  size_t prefix = outer.position();
  Reader r(data_.subspan(pos_ + prefix, static_cast<size_t>(length)));
  out.attributes = r.read_int8();
  out.timestamp_delta = r.read_varlong();
  out.offset_delta = r.read_varint();
  if (!r.ok() || !read_nullable(r, out.key) || !read_nullable(r, out.value)) {
    return fail(RecordError::kInvalidRecord);
  }
  int32_t headers = r.read_varint();
  // Each header takes at least two bytes (two one-byte varints).
  if (!r.ok() || headers < 0 || static_cast<size_t>(headers) > r.remaining() / 2) {
    return fail(RecordError::kInvalidRecord);
  }
  size_t headers_start = r.position();
  if (headers > 0) {
    // Constructed only when needed: zeroing it per record (a `rep stos`) cost a fifth of the
    // walk over header-less records.
    RecordHeader h;
    for (int32_t i = 0; i < headers; ++i) {
      if (!read_header(r, h)) return fail(RecordError::kInvalidRecord);
    }
  }
  if (!r.at_end()) return fail(RecordError::kInvalidRecord);
  ByteView body = data_.subspan(pos_ + prefix, static_cast<size_t>(length));
  out.headers_count = headers;
  out.headers_bytes = body.subspan(headers_start);
  out.bytes = data_.subspan(pos_, prefix + static_cast<size_t>(length));
  out.offset = wrapping_add(context_.base_offset, out.offset_delta);
  out.timestamp = context_.log_append_time
                      ? context_.max_timestamp
                      : wrapping_add(context_.base_timestamp, out.timestamp_delta);
  pos_ += prefix + static_cast<size_t>(length);
  ++read_;
  return true;
}

namespace {
size_t nullable_size(const std::optional<ByteView>& v) {
  return v ? varint_size(static_cast<int32_t>(v->size())) + v->size() : 1;
}
void write_nullable(Writer& w, const std::optional<ByteView>& v) {
  if (!v) {
    w.write_varint(-1);
    return;
  }
  w.write_varint(static_cast<int32_t>(v->size()));
  w.write_raw(*v);
}
}  // namespace

void write_record(Writer& w, int32_t offset_delta, int64_t timestamp_delta,
                  std::optional<ByteView> key, std::optional<ByteView> value,
                  std::span<const RecordHeader> headers) {
  size_t body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) + nullable_size(key) +
                nullable_size(value) + varint_size(static_cast<int32_t>(headers.size()));
  for (const RecordHeader& h : headers) {
    body += varint_size(static_cast<int32_t>(h.key.size())) + h.key.size() + nullable_size(h.value);
  }
  w.write_varint(static_cast<int32_t>(body));
  w.write_int8(0);
  w.write_varlong(timestamp_delta);
  w.write_varint(offset_delta);
  write_nullable(w, key);
  write_nullable(w, value);
  w.write_varint(static_cast<int32_t>(headers.size()));
  for (const RecordHeader& h : headers) {
    w.write_varint(static_cast<int32_t>(h.key.size()));
    w.write_raw(as_bytes(h.key));
    write_nullable(w, h.value);
  }
}

}  // namespace fjord
