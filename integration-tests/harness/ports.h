// Loopback ports for test servers. Every server a test starts listens on 127.0.0.1 only.
#pragma once

#include <chrono>
#include <cstdint>

namespace fjord::itest {

// A port on 127.0.0.1 that nothing listens on right now. Ports come from 20000-32767, below
// Linux's ephemeral range (32768+), so outgoing connections never take them in the meantime;
// one process never gets the same port twice. Thread-safe. Throws HarnessError if none is free.
uint16_t free_port();

// True if a TCP connect to 127.0.0.1:port succeeds now.
bool port_accepts(uint16_t port);

// Polls port_accepts until it is true or timeout passes.
bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout);

}  // namespace fjord::itest
