// The command line's client of the master's v1 operator API (`POST /api/v1`
// in JSON), shared by `tepui agents`, `frameworks`, `tasks`, `task`, `kill`,
// `top` and `state`.
//
// Contract:
// - connect() takes --master as host:port of any master or zk://host:port/
//   path (validMasterSpec() checks the form), and finds the leader as
//   `tepui run` does (leading_master.hpp).
// - call() sends one Call and returns the decoded Response; perform() sends
//   one whose answer has no body (200 or 202 is success). A follower that
//   answers 307 (the leader moved since connect) is followed once, to the
//   leader found again.
// - Every failure is one readable line naming the master: "cannot reach
//   the master at H:P: connection refused", "the master at H:P answered
//   400: <its reason>", "the master at H:P sent a malformed answer: ...".
// Blocking; one call at a time.
#pragma once

#include <string>

#include "common/result.hpp"
#include "http/message.hpp"
#include "tepui/v1/master.pb.h"

namespace tepui::cli {

// The exit codes of the operator commands (docs/commands.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the cluster refused, a name is unknown, the master is unreachable
inline constexpr int kExitUsage = 2;   // bad flags or arguments

// Whether --master has one of the two forms connect() takes.
bool validMasterSpec(const std::string& master);

class OperatorClient {
 public:
  static Result<OperatorClient> connect(const std::string& master);

  // The Response, and in `body` (if given) the JSON text as the master sent it.
  Result<v1::master::Response> call(const v1::master::Call& call, std::string* body = nullptr);
  Status perform(const v1::master::Call& call);
  // GET_STATE's answer: every task, executor, framework and agent.
  Result<v1::master::Response::GetState> state();

  const http::Endpoint& master() const { return master_; }

 private:
  OperatorClient(std::string spec, http::Endpoint master) : spec_(std::move(spec)), master_(std::move(master)) {}
  Result<http::Response> post(const std::string& body);
  // post(), a 307 followed, and any status but 2xx an Error.
  Result<http::Response> exchange(const v1::master::Call& call);

  std::string spec_;  // --master as given: how to find the leader again
  http::Endpoint master_;
};

}  // namespace tepui::cli
