// Bounded polling: the only way integration tests wait for something to become true. A test
// never sleeps for a fixed time to synchronise with another process; it polls a condition with
// a deadline and fails (or reports false) when the deadline passes.
#pragma once

#include <chrono>
#include <functional>

namespace fjord::itest {

using namespace std::chrono_literals;

// Calls condition() until it returns true (then returns true) or until timeout has passed
// (then returns false after one last call). Sleeps `interval` between calls.
bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
              std::chrono::milliseconds interval = 100ms);

}  // namespace fjord::itest
