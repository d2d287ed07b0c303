// Durations in Mesos's flag syntax: a number followed by one of
// ns|us|ms|secs|mins|hrs|days|weeks ("5secs", "0.5mins", "100ms"). A bare
// number is taken as seconds.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui {

using Seconds = std::chrono::duration<double>;

Result<Seconds> parseDuration(std::string_view text);
// The shortest exact form in that syntax: "5secs", "100ms", "1mins".
std::string formatDuration(Seconds d);

}  // namespace tepui
