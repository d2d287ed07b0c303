// A small thread-safe logger: `TLOG(INFO) << "agent " << id << " registered";`
// writes one line to stderr, "I1122 03:15:36.123456 master] agent ... ".
// The level can be changed at run time (the operator API's logging level).
#pragma once

#include <cstdint>
#include <sstream>
#include <string>

namespace tepui::logging {

enum class Level { DEBUG = 0, INFO = 1, WARNING = 2, ERROR = 3 };

void setLevel(Level level);
Level level();

// Mesos's logging level is a glog verbosity; Tepui maps it onto its levels:
// verbosity 0 is the level setLevel gave (INFO unless changed), 1 and above
// also write DEBUG lines. The verbosity is the process's, shared by every
// daemon in it (as under `tepui local`). setVerbosity returns the change's
// number; revertVerbosity(n) sets verbosity 0 again only if no later
// setVerbosity happened, so that a replaced change's timer does nothing.
uint64_t setVerbosity(uint32_t verbosity);
void revertVerbosity(uint64_t change);
uint32_t verbosity();

// The component name printed on every line this thread writes
// ("master", "agent", ...).
void setComponent(std::string name);
void write(Level level, const std::string& message);

class Line {
 public:
  explicit Line(Level level) : level_(level) {}
  ~Line() { write(level_, stream_.str()); }
  template <typename T>
  Line& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  Level level_;
  std::ostringstream stream_;
};

// Turns the streamed expression into void so TLOG works as one expression
// (safe inside an unbraced if/else).
struct Voidify {
  void operator&(const Line&) {}
};

}  // namespace tepui::logging

#define TLOG(severity)                                                      \
  !(::tepui::logging::Level::severity >= ::tepui::logging::level())         \
      ? (void)0                                                             \
      : ::tepui::logging::Voidify() & ::tepui::logging::Line(::tepui::logging::Level::severity)
