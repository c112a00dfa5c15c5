// HarnessError reports that the integration-test harness could not set up what a test asked for
// (a process would not start, a port never opened, a jar bundle could not be fetched). Tests let
// it propagate: GoogleTest reports it as a failure with the message, which carries the tail of
// the relevant log file.
#pragma once

#include <stdexcept>
#include <string>

namespace fjord::itest {

class HarnessError : public std::runtime_error {
 public:
  explicit HarnessError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace fjord::itest
