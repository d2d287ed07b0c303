// Tests that drive an io_context by hand: run it one handler (or 10 ms) at
// a time until a condition holds or a deadline passes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace tepui::testing {

// False if `limit` passed before `done` held.
inline bool runLoopUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                         std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace tepui::testing
