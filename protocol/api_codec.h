// Helpers shared by the generated message codecs (protocol/generated/*.cc): strings, bytes,
// records and array prefixes in their classic or compact (flexible-version) form, and the
// tagged-field section that ends every struct in a flexible version.
//
// Decoding never throws and never reads past the buffer: failures land in the Reader (see
// wire.h). Unknown tagged fields are kept verbatim and written back in tag order, so
// decode -> encode of a message is byte-identical.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/records_ref.h"
#include "protocol/wire.h"

namespace fjord::msg {

// A tagged field this build does not know (a newer peer's extension), kept raw.
struct UnknownTaggedField {
  uint32_t tag = 0;
  Bytes data;
  friend bool operator==(const UnknownTaggedField&, const UnknownTaggedField&) = default;
};
using UnknownTaggedFields = std::vector<UnknownTaggedField>;

namespace codec {

// Strings. The std::string overloads are for versions where null is not allowed.
void read_string(Reader& r, bool compact, std::string& out);
void read_string(Reader& r, bool compact, bool nullable, std::optional<std::string>& out);
void write_string(Writer& w, bool compact, const std::string& s);
void write_string(Writer& w, bool compact, const std::optional<std::string>& s);
size_t string_size(bool compact, const std::string& s);
size_t string_size(bool compact, const std::optional<std::string>& s);

// Bytes.
void read_bytes(Reader& r, bool compact, Bytes& out);
void read_bytes(Reader& r, bool compact, bool nullable, std::optional<Bytes>& out);
void write_bytes(Writer& w, bool compact, const Bytes& b);
void write_bytes(Writer& w, bool compact, const std::optional<Bytes>& b);
size_t bytes_size(bool compact, const Bytes& b);
size_t bytes_size(bool compact, const std::optional<Bytes>& b);

// Records: decoded as a view into the Reader's buffer (zero copy). Encoding a RecordsRef that
// names a FileRegion writes only the length prefix and appends a Splice to the Writer's splice
// sink; the sink must be set (asserted), since protocol/ cannot read files.
void read_records(Reader& r, bool compact, bool nullable, RecordsRef& out);
void write_records(Writer& w, bool compact, const RecordsRef& rec);
size_t records_size(bool compact, const RecordsRef& rec);

// Array count: -1 is null, accepted only when nullable (else kNegativeLength). The count is
// checked against the remaining input at min_element_size bytes per element.
int32_t read_array_length(Reader& r, bool compact, bool nullable, size_t min_element_size);
inline size_t array_length_size(bool compact, int64_t n) {
  return compact ? uvarint_size(static_cast<uint64_t>(n + 1)) : 4;
}

// Nullable structs: an int8 marker, -1 for null, 1 for present (Kafka's encoding).
inline bool read_struct_present(Reader& r, bool nullable) {
  return !nullable || r.read_int8() >= 0;
}
inline void write_struct_present(Writer& w, bool nullable, bool present) {
  if (nullable) w.write_int8(present ? 1 : -1);
}

// Tagged fields. read_tagged_fields reads the section; known(tag, reader) decodes a known tag
// from a sub-reader over exactly its bytes and returns false for tags it does not know, which
// are then kept in `unknown`. A known field must consume its bytes exactly.
template <typename Known>
void read_tagged_fields(Reader& r, UnknownTaggedFields& unknown, Known&& known) {
  const uint32_t count = r.read_uvarint();
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    const uint32_t tag = r.read_uvarint();
    const uint32_t size = r.read_uvarint();
    if (!r.ok()) return;
    const ByteView data = r.read_raw(size);
    if (!r.ok()) return;
    Reader field(data);
    if (known(tag, field)) {
      if (!field.ok())
        r.fail(field.error());
      else if (!field.at_end())
        r.fail(DecodeError::kTrailingBytes);
    } else {
      unknown.push_back({tag, Bytes(data.begin(), data.end())});
    }
  }
}

// Size of the unknown fields' (tag, size, data) triples.
size_t unknown_tagged_size(const UnknownTaggedFields& unknown);

// Writes unknown tagged fields interleaved with the known ones in ascending tag order: call
// write_before(tag) before each known field, then write_rest().
class UnknownTagWriter {
 public:
  UnknownTagWriter(Writer& w, const UnknownTaggedFields& unknown) : w_(w), unknown_(unknown) {}
  void write_before(uint32_t tag);
  void write_rest() {
    while (next_ < unknown_.size()) write_one();
  }

 private:
  void write_one();
  Writer& w_;
  const UnknownTaggedFields& unknown_;
  size_t next_ = 0;
};

}  // namespace codec

// Decodes one complete message: fails with kTrailingBytes if input is left over.
template <typename Message>
DecodeError decode_exact(Message& m, ByteView input, int16_t version) {
  Reader r(input);
  DecodeError e = m.decode(r, version);
  if (e == DecodeError::kNone && !r.at_end()) e = DecodeError::kTrailingBytes;
  return e;
}

}  // namespace fjord::msg
