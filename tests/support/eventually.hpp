// Tests that wait on another thread or process: poll a condition until it
// holds or a deadline passes.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace tepui::testing {

// Whether `condition` held within `timeout`, checked every `step`.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20),
                       std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(step);
  }
  return condition();
}

}  // namespace tepui::testing
