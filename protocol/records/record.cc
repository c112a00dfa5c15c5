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

}  // namespace

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
