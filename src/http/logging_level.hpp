// The logging level as the operator APIs of the master and the agent set
// it: GET_LOGGING_LEVEL, SET_LOGGING_LEVEL and the legacy
// /logging/toggle?level=N&duration=D. The level is Mesos's glog verbosity,
// mapped onto Tepui's logger by logging::setVerbosity (0 is the default
// level, 1 and above also writes DEBUG lines). A change lasts `duration`,
// then the verbosity goes back to 0 on a timer of the daemon's loop; a
// later change replaces an earlier one and its timer. Each daemon owns one
// LoggingLevel; it is used on that daemon's loop only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/duration.hpp"
#include "http/message.hpp"

namespace tepui::http {

class Server;

class LoggingLevel {
 public:
  // Levels above this are refused: no verbosity beyond 1 logs more.
  static constexpr uint64_t kMaxLevel = 100;
  // So is a duration over a year (and one of zero or less).
  static constexpr std::chrono::hours kMaxDuration{24 * 365};

  explicit LoggingLevel(boost::asio::io_context& io) : timer_(io) {}

  // The verbosity now.
  uint32_t level() const;
  // Sets `level` for `duration`, or says why not (a reason for a 400).
  std::optional<std::string> set(uint64_t level, Seconds duration);
  // GET or POST /logging/toggle: with neither `level` nor `duration`, the
  // level now as text; with both, set(); anything else is a 400.
  Response toggle(const Request& request);
  // Routes /logging/toggle on `server` to toggle().
  void route(Server& server);

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace tepui::http
