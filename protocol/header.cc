#include "protocol/header.h"

#include "protocol/api.h"

namespace fjord {
namespace {

void read_tags(Reader& r, msg::UnknownTaggedFields& unknown) {
  msg::codec::read_tagged_fields(r, unknown, [](uint32_t, Reader&) { return false; });
}

void write_tags(Writer& w, const msg::UnknownTaggedFields& unknown) {
  w.write_uvarint(unknown.size());
  msg::codec::UnknownTagWriter(w, unknown).write_rest();
}

size_t tags_size(const msg::UnknownTaggedFields& unknown) {
  return uvarint_size(unknown.size()) + msg::codec::unknown_tagged_size(unknown);
}

}  // namespace

DecodeError RequestHeader::decode(Reader& r, int16_t header_version) {
  if (header_version < 0 || header_version > 2) return DecodeError::kUnsupportedVersion;
  *this = RequestHeader{};
  api_key = r.read_int16();
  api_version = r.read_int16();
  correlation_id = r.read_int32();
  if (header_version >= 1) msg::codec::read_string(r, false, true, client_id);
  if (header_version >= 2) read_tags(r, unknown_tagged_fields);
  return r.error();
}

void RequestHeader::encode(Writer& w, int16_t header_version) const {
  w.write_int16(api_key);
  w.write_int16(api_version);
  w.write_int32(correlation_id);
  if (header_version >= 1) msg::codec::write_string(w, false, client_id);
  if (header_version >= 2) write_tags(w, unknown_tagged_fields);
}

size_t RequestHeader::encoded_size(int16_t header_version) const {
  size_t n = 8;
  if (header_version >= 1) n += msg::codec::string_size(false, client_id);
  if (header_version >= 2) n += tags_size(unknown_tagged_fields);
  return n;
}

DecodeError decode_request_header(Reader& r, RequestHeader& header) {
  Reader peek = r;
  const int16_t key = peek.read_int16();
  const int16_t version = peek.read_int16();
  if (!peek.ok()) return header.decode(r, 0);  // reports the truncation
  const ApiInfo* api = find_api(key);
  if (api == nullptr) {
    DecodeError e = header.decode(r, 0);
    return e == DecodeError::kNone ? DecodeError::kUnsupportedVersion : e;
  }
  return header.decode(r, api->request_header_version(version));
}

DecodeError ResponseHeader::decode(Reader& r, int16_t header_version) {
  if (header_version < 0 || header_version > 1) return DecodeError::kUnsupportedVersion;
  *this = ResponseHeader{};
  correlation_id = r.read_int32();
  if (header_version >= 1) read_tags(r, unknown_tagged_fields);
  return r.error();
}

void ResponseHeader::encode(Writer& w, int16_t header_version) const {
  w.write_int32(correlation_id);
  if (header_version >= 1) write_tags(w, unknown_tagged_fields);
}

size_t ResponseHeader::encoded_size(int16_t header_version) const {
  return 4 + (header_version >= 1 ? tags_size(unknown_tagged_fields) : 0);
}

}  // namespace fjord
