// Time sources. Wall time (epoch seconds, as Mesos's TaskStatus.timestamp
// and state endpoints use) and monotonic time (for timeouts and the
// allocator's filters). Components take times as parameters where tests need
// control; these are the real sources.
#pragma once

#include <chrono>

namespace tepui::clock {

inline double wallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

inline double monotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Seconds as a timer duration (Asio's timers want an integral duration).
inline std::chrono::nanoseconds seconds(double s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

}  // namespace tepui::clock
