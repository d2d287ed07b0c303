// The operator APIs' logging level (see logging_level.hpp).
#include "http/logging_level.hpp"

#include <charconv>

#include "common/duration.hpp"
#include "common/logging.hpp"
#include "http/server.hpp"

namespace tepui::http {

uint32_t LoggingLevel::level() const { return logging::verbosity(); }

std::optional<std::string> LoggingLevel::set(uint64_t level, Seconds duration) {
  if (level > kMaxLevel) {
    return "Invalid level " + std::to_string(level) + ": it must be at most " + std::to_string(kMaxLevel);
  }
  if (!(duration > Seconds::zero())) return "Invalid duration: it must be positive";
  if (duration > kMaxDuration) return "Invalid duration: it must be at most a year";
  uint64_t change = logging::setVerbosity(static_cast<uint32_t>(level));
  TLOG(INFO) << "Logging verbosity set to " << level << " for " << formatDuration(duration);
  // Cancels the previous change's timer.
  timer_.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(duration));
  timer_.async_wait([change](const boost::system::error_code& ec) {
    if (ec) return;
    logging::revertVerbosity(change);
    TLOG(INFO) << "Logging verbosity back to " << logging::verbosity();
  });
  return std::nullopt;
}

Response LoggingLevel::toggle(const Request& request) {
  if (request.method != "GET" && request.method != "POST")
    return Response::methodNotAllowed("GET, POST", request.method);
  auto level = request.query.find("level");
  auto duration = request.query.find("duration");
  bool hasLevel = level != request.query.end(), hasDuration = duration != request.query.end();
  if (!hasLevel && !hasDuration) return Response::text(200, std::to_string(this->level()) + "\n");
  if (!hasDuration) return Response::text(400, "Expecting 'duration=value' in query\n");
  if (!hasLevel) return Response::text(400, "Expecting 'level=value' in query\n");
  const std::string& text = level->second;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Response::text(400, "Invalid level '" + text + "': expecting a non-negative integer\n");
  }
  auto parsed = parseDuration(duration->second);
  if (!parsed) return Response::text(400, parsed.error().message + "\n");
  if (auto refused = set(value, *parsed)) return Response::text(400, *refused + "\n");
  return Response::empty(200);
}

void LoggingLevel::route(Server& server) {
  server.route("/logging/toggle",
               [this](Request& request, Responder responder) { responder.respond(toggle(request)); });
}

}  // namespace tepui::http
