// `tepui state`: the master's GET_STATE answer, as the JSON text it sent
// (tasks, executors, frameworks and agents in the operator API's shapes),
// for scripts and for looking at everything.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/operator_command.hpp"

namespace tepui::cli {

int stateMain(int argc, const char* const* argv) {
  OperatorCommand command("state",
                          "Usage: tepui state [--master HOST:PORT]\n\n"
                          "Prints the master's GET_STATE answer as JSON (always; --json changes nothing).");
  if (int rc = command.parse(argc, argv); rc >= 0) return rc;
  auto* client = command.client();
  if (!client) return kExitFailed;
  v1::master::Call call;
  call.set_type(v1::master::Call::GET_STATE);
  std::string body;
  if (auto response = client->call(call, &body); !response) return command.fail(response.error().message);
  std::cout << body << "\n";
  return kExitOk;
}

}  // namespace tepui::cli
