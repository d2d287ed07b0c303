// See signals.hpp.
#include "cli/signals.hpp"

#include <sys/resource.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>

#include "common/logging.hpp"

namespace tepui::cli {

namespace {

// The default soft limit of 1,024 descriptors is far too few for a daemon.
void raiseFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t was = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    TLOG(INFO) << "Raised the open file limit from " << was << " to " << limit.rlim_max;
  }
}

}  // namespace

int runUntilSignalled(boost::asio::io_context& io, std::function<void(int)> onSignal) {
  raiseFileLimit();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGUSR1);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    onSignal(signal);
    io.stop();
  });
  io.run();
  return 0;
}

}  // namespace tepui::cli
