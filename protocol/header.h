// Kafka request and response headers (hand-written: three tiny structs whose version is
// chosen by the API table, not by the message itself).
//
//   request header v0: api_key int16, api_version int16, correlation_id int32
//                  v1: + client_id nullable string (always the classic int16-length form)
//                  v2: + tagged fields
//   response header v0: correlation_id int32;  v1: + tagged fields
//
// Which version applies: ApiInfo::request_header_version / response_header_version (api.h);
// ApiVersions responses always use v0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/api_codec.h"
#include "protocol/wire.h"

namespace fjord {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  msg::UnknownTaggedFields unknown_tagged_fields;

  DecodeError decode(Reader& r, int16_t header_version);
  void encode(Writer& w, int16_t header_version) const;
  size_t encoded_size(int16_t header_version) const;
  friend bool operator==(const RequestHeader&, const RequestHeader&) = default;
};

// Decodes a request header choosing its version from the API table by the api key and version
// it starts with. An unknown api key fails with kUnsupportedVersion after api_key, api_version
// and correlation_id are filled in, so the caller can log them and close the connection
// (Kafka's behaviour); a known key at an unsupported version is decoded normally, so that
// ApiVersions can be answered with UNSUPPORTED_VERSION.
DecodeError decode_request_header(Reader& r, RequestHeader& header);

struct ResponseHeader {
  int32_t correlation_id = 0;
  msg::UnknownTaggedFields unknown_tagged_fields;

  DecodeError decode(Reader& r, int16_t header_version);
  void encode(Writer& w, int16_t header_version) const;
  size_t encoded_size(int16_t header_version) const;
  friend bool operator==(const ResponseHeader&, const ResponseHeader&) = default;
};

}  // namespace fjord
