// UTC timestamps in ISO 8601 with milliseconds ("2015-09-28T19:47:37.681Z"),
// the form the services and jobs schedulers write for versions, stagedAt,
// lastSuccess and the like. Formatting rounds to the nearest millisecond;
// parsing accepts exactly what formatting writes, plus no or 1-9 fraction
// digits and an explicit "+HH:MM"/"-HH:MM" offset instead of "Z".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tepui::iso_time {

// `epochSeconds` as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string format(double epochSeconds);

// The epoch seconds of a timestamp, or nothing if it is not one.
std::optional<double> parse(std::string_view text);

}  // namespace tepui::iso_time
