// Access to the captured client frames in protocol/test/golden/ (see its README.md) for the
// tests that read them. FJORD_GOLDEN_DIR is set by protocol/test/CMakeLists.txt.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "protocol/wire.h"

namespace fjord::golden {

inline std::string path(const std::string& file) {
  return std::string(FJORD_GOLDEN_DIR) + "/" + file;
}

// The bytes of golden/<file> (a frame without its size prefix); empty if it cannot be read.
inline Bytes read(const std::string& file) {
  std::ifstream in(path(file), std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace fjord::golden
