// Deterministic sample values for the generated fill() helpers (protocol/generated/samples.h).
#pragma once

#include <cstdint>
#include <string>

#include "protocol/records_ref.h"
#include "protocol/wire.h"

namespace fjord::msg::sample {

std::string text(uint32_t seed);
Bytes bytes(uint32_t seed);
Uuid uuid(uint32_t seed);
// A view of static bytes (records are views; the bytes outlive every test).
RecordsRef records(uint32_t seed);

}  // namespace fjord::msg::sample
