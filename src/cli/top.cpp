// `tepui top`: a live view of the cluster in the terminal, one GET_STATE a
// frame (every --interval seconds), drawn with plain ANSI codes on the
// alternate screen (clear and redraw, cursor hidden). q or Ctrl-C quits
// and restores the terminal: its modes, the screen and the cursor. A master
// that cannot be reached shows as a line in the frame, and the leader is
// looked up again for the next one. --once prints one frame without escape
// codes (or, with --json, the totals as JSON) and exits.
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/operator_command.hpp"
#include "cli/table.hpp"
#include "cli/top_frame.hpp"

namespace tepui::cli {

namespace {

volatile std::sig_atomic_t stopRequested = 0;

void requestStop(int) { stopRequested = 1; }

// The terminal while top draws: keys arrive one by one and are not echoed,
// the alternate screen is shown and the cursor hidden; Ctrl-C and SIGTERM
// end the wait for the next frame. The destructor restores it all.
class TerminalSession {
 public:
  TerminalSession() {
    keys_ = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (keys_) {
      termios raw = saved_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);  // ISIG stays: Ctrl-C is SIGINT
      raw.c_cc[VMIN] = 1;
      raw.c_cc[VTIME] = 0;
      tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    struct sigaction action {};
    action.sa_handler = requestStop;  // no SA_RESTART: poll() returns EINTR
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &savedInt_);
    sigaction(SIGTERM, &action, &savedTerm_);
    write("\x1b[?1049h\x1b[?25l");
  }

  ~TerminalSession() {
    write("\x1b[?25h\x1b[?1049l");
    if (keys_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    sigaction(SIGINT, &savedInt_, nullptr);
    sigaction(SIGTERM, &savedTerm_, nullptr);
  }

  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  void draw(const std::string& frame) { write("\x1b[H\x1b[2J" + frame); }

  // Waits up to `timeout` for q (true: quit) or a signal.
  bool waitForQuit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!stopRequested) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd in{STDIN_FILENO, POLLIN, 0};
      int ready = poll(keys_ ? &in : nullptr, keys_ ? 1 : 0, static_cast<int>(left.count()));
      if (ready <= 0) continue;  // timeout, or EINTR: the loop checks both
      char key = 0;
      if (::read(STDIN_FILENO, &key, 1) != 1) {
        keys_ = false;  // stdin closed: only signals end top now
        continue;
      }
      if (key == 'q' || key == 'Q') return true;
    }
    return true;
  }

  // Lines the terminal shows, or 0 when it is not a terminal.
  static size_t height() {
    winsize size{};
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 ? size.ws_row : 0;
  }

 private:
  static void write(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }

  bool keys_ = false;
  termios saved_{};
  struct sigaction savedInt_ {
  }, savedTerm_{};
};

// The frame's lines other than the two lists' rows (see renderFrame).
constexpr size_t kFixedLines = 14;

size_t listRows(int rows) {
  if (rows > 0) return static_cast<size_t>(rows);
  size_t height = TerminalSession::height();
  return height > kFixedLines + 2 ? (height - kFixedLines) / 2 : 10;
}

std::string title(const std::string& master) {
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return "tepui top: master " + master + " at " + formatTime(now) + " UTC (q quits)";
}

}  // namespace

int topMain(int argc, const char* const* argv) {
  OperatorCommand command("top",
                          "Usage: tepui top [--interval SECONDS] [--rows N] [--once] [--master HOST:PORT] [--json]\n\n"
                          "A live view of the cluster: agents, frameworks, tasks by state, cpus, mem and disk\n"
                          "allocated / total, and the busiest agents and tasks. q or Ctrl-C quits.");
  double interval = 1;
  int rows = 0;
  bool once = false;
  command.flags().add("interval", &interval, "Seconds between two frames (0.1 or more)");
  command.flags().add("rows", &rows, "Agents and tasks listed in each frame (0: as many as the terminal fits)");
  command.flags().add("once", &once, "Print one frame without escape codes and exit (for scripts)");
  if (int rc = command.parse(argc, argv); rc >= 0) return rc;
  if (!(interval >= 0.1)) return command.fail("--interval must be 0.1 seconds or more", kExitUsage);
  if (rows < 0) return command.fail("--rows must be 0 or more", kExitUsage);
  if (command.json() && !once) return command.fail("--json prints one summary: use it with --once", kExitUsage);

  if (once) {
    auto state = command.state();
    if (!state) return kExitFailed;
    if (command.json()) {
      std::cout << summaryJson(summarize(*state)) << "\n";
    } else {
      std::cout << renderFrame(*state, title(command.client()->master().str()), listRows(rows));
    }
    return kExitOk;
  }

  TerminalSession terminal;
  std::optional<OperatorClient> client;
  auto wait = std::chrono::milliseconds(static_cast<int64_t>(interval * 1000));
  do {
    std::string frame;
    if (!client) {
      auto connected = OperatorClient::connect(command.master());
      if (!connected) {
        frame = title(command.master()) + "\n\n" + connected.error().message + " (trying again)\n";
      } else {
        client.emplace(std::move(*connected));
      }
    }
    if (client) {
      auto state = client->state();
      if (state) {
        frame = renderFrame(ClusterState(std::move(*state)), title(client->master().str()), listRows(rows));
      } else {
        frame = title(client->master().str()) + "\n\n" + state.error().message + " (trying again)\n";
        client.reset();  // find the leader again
      }
    }
    terminal.draw(frame);
  } while (!terminal.waitForQuit(wait));
  return kExitOk;
}

}  // namespace tepui::cli
