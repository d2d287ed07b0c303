// Logger implementation (see logging.hpp): one write(2)-sized line per call
// under a mutex, so concurrent threads never interleave within a line.
#include "common/logging.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <mutex>

namespace tepui::logging {

namespace {
std::atomic<Level> gLevel{Level::INFO};
std::mutex gMutex;
// The verbosity and the level it applies to (gVerbosityMutex).
std::mutex gVerbosityMutex;
Level gBase = Level::INFO;
uint32_t gVerbosity = 0;
uint64_t gChanges = 0;

void applyVerbosity() { gLevel = gVerbosity > 0 ? Level::DEBUG : gBase; }
// Per thread: `tepui local` runs several daemons in one process, each on
// its own loop thread, and every line should say which one wrote it.
thread_local std::string gComponent = "tepui";
}  // namespace

void setLevel(Level l) {
  std::lock_guard lock(gVerbosityMutex);
  gBase = l;
  applyVerbosity();
}
Level level() { return gLevel; }

uint64_t setVerbosity(uint32_t v) {
  std::lock_guard lock(gVerbosityMutex);
  gVerbosity = v;
  applyVerbosity();
  return ++gChanges;
}

void revertVerbosity(uint64_t change) {
  std::lock_guard lock(gVerbosityMutex);
  if (change != gChanges) return;
  gVerbosity = 0;
  applyVerbosity();
}

uint32_t verbosity() {
  std::lock_guard lock(gVerbosityMutex);
  return gVerbosity;
}

void setComponent(std::string name) { gComponent = std::move(name); }

void write(Level l, const std::string& message) {
  static constexpr char kLetters[] = "DIWE";
  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm t{};
  localtime_r(&tv.tv_sec, &t);
  char head[64];
  std::lock_guard lock(gMutex);
  int n = std::snprintf(head, sizeof head, "%c%02d%02d %02d:%02d:%02d.%06ld ", kLetters[static_cast<int>(l)],
                        t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<long>(tv.tv_usec));
  std::string line(head, static_cast<size_t>(n));
  line += gComponent;
  line += "] ";
  line += message;
  line += '\n';
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace tepui::logging
