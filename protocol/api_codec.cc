#include "protocol/api_codec.h"

#include <cassert>

namespace fjord::msg::codec {
namespace {

// Classic strings have an int16 length, bytes an int32 one; compact forms a uvarint of n+1.
size_t length_size(bool compact, bool is_string, int64_t n) {
  if (compact) return uvarint_size(static_cast<uint64_t>(n + 1));
  return is_string ? 2 : 4;
}

}  // namespace

void read_string(Reader& r, bool compact, std::string& out) {
  const int32_t n = r.read_string_length(compact);
  if (n < 0) {
    if (r.ok()) r.fail(DecodeError::kNegativeLength);
    return;
  }
  out = r.read_string_view(n);
}

void read_string(Reader& r, bool compact, bool nullable, std::optional<std::string>& out) {
  const int32_t n = r.read_string_length(compact);
  if (n < 0) {
    if (r.ok() && !nullable) r.fail(DecodeError::kNegativeLength);
    out.reset();
    return;
  }
  out = std::string(r.read_string_view(n));
}

void write_string(Writer& w, bool compact, const std::string& s) {
  w.write_string_length(static_cast<int32_t>(s.size()), compact);
  w.write_raw(as_bytes(s));
}

void write_string(Writer& w, bool compact, const std::optional<std::string>& s) {
  if (!s)
    w.write_string_length(-1, compact);
  else
    write_string(w, compact, *s);
}

size_t string_size(bool compact, const std::string& s) {
  return length_size(compact, true, static_cast<int64_t>(s.size())) + s.size();
}

size_t string_size(bool compact, const std::optional<std::string>& s) {
  return s ? string_size(compact, *s) : length_size(compact, true, -1);
}

void read_bytes(Reader& r, bool compact, Bytes& out) {
  const int32_t n = r.read_bytes_length(compact);
  if (n < 0) {
    if (r.ok()) r.fail(DecodeError::kNegativeLength);
    return;
  }
  ByteView raw = r.read_raw(static_cast<size_t>(n));
  out.assign(raw.begin(), raw.end());
}

void read_bytes(Reader& r, bool compact, bool nullable, std::optional<Bytes>& out) {
  const int32_t n = r.read_bytes_length(compact);
  if (n < 0) {
    if (r.ok() && !nullable) r.fail(DecodeError::kNegativeLength);
    out.reset();
    return;
  }
  ByteView raw = r.read_raw(static_cast<size_t>(n));
  out.emplace(raw.begin(), raw.end());
}

void write_bytes(Writer& w, bool compact, const Bytes& b) {
  w.write_bytes_length(static_cast<int32_t>(b.size()), compact);
  w.write_raw(b);
}

void write_bytes(Writer& w, bool compact, const std::optional<Bytes>& b) {
  if (!b)
    w.write_bytes_length(-1, compact);
  else
    write_bytes(w, compact, *b);
}

size_t bytes_size(bool compact, const Bytes& b) {
  return length_size(compact, false, static_cast<int64_t>(b.size())) + b.size();
}

size_t bytes_size(bool compact, const std::optional<Bytes>& b) {
  return b ? bytes_size(compact, *b) : length_size(compact, false, -1);
}

void read_records(Reader& r, bool compact, bool nullable, RecordsRef& out) {
  const int32_t n = r.read_bytes_length(compact);
  if (n < 0) {
    if (r.ok() && !nullable) r.fail(DecodeError::kNegativeLength);
    out = RecordsRef::null();
    return;
  }
  out = RecordsRef::of(r.read_raw(static_cast<size_t>(n)));
}

void write_records(Writer& w, bool compact, const RecordsRef& rec) {
  w.write_bytes_length(rec.size(), compact);
  if (rec.is_null) return;
  if (rec.region) {
    assert(w.splices() != nullptr && "a FileRegion needs a Writer with a splice sink");
    if (w.splices() != nullptr) w.splices()->push_back(Splice{w.position(), *rec.region});
    return;
  }
  w.write_raw(rec.bytes);
}

size_t records_size(bool compact, const RecordsRef& rec) {
  const int32_t n = rec.size();
  return length_size(compact, false, n) + static_cast<size_t>(n < 0 ? 0 : n);
}

int32_t read_array_length(Reader& r, bool compact, bool nullable, size_t min_element_size) {
  const int32_t n = r.read_array_length(compact, min_element_size);
  if (n < 0 && r.ok() && !nullable) r.fail(DecodeError::kNegativeLength);
  return n;
}

size_t unknown_tagged_size(const UnknownTaggedFields& unknown) {
  size_t n = 0;
  for (const auto& f : unknown) {
    n += uvarint_size(f.tag) + uvarint_size(f.data.size()) + f.data.size();
  }
  return n;
}

void UnknownTagWriter::write_before(uint32_t tag) {
  while (next_ < unknown_.size() && unknown_[next_].tag < tag) write_one();
}

void UnknownTagWriter::write_one() {
  const UnknownTaggedField& f = unknown_[next_++];
  w_.write_uvarint(f.tag);
  w_.write_uvarint(f.data.size());
  w_.write_raw(f.data);
}

}  // namespace fjord::msg::codec
