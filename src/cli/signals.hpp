// Running a daemon's event loop in the foreground: the loop runs on the
// calling thread until SIGINT, SIGTERM or SIGUSR1, then the daemon is told
// which (so that it stops as that signal asks) and the loop is stopped.
// The open-file limit is raised to its hard limit first: a daemon holds a
// connection per agent, framework, executor or client.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>

namespace tepui::cli {

// Returns 0 once stopped by a signal (or once the loop ran out of work).
int runUntilSignalled(boost::asio::io_context& io, std::function<void(int signal)> onSignal);

}  // namespace tepui::cli
