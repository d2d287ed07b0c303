// `tepui jobs runs NAME`: the run history of a job, from the job
// scheduler's GET /v1/scheduler/job/{name}/runs (runs waiting or in flight
// first, then the finished ones, newest first), as a table or, with
// --json, as the API gives it. Exit 0, 1 when the scheduler cannot be
// reached or refuses (an unknown job), 2 for bad arguments.
#include <boost/json.hpp>
#include <iostream>

#include "cli/api_call.hpp"
#include "cli/commands.hpp"
#include "cli/parse_flags.hpp"
#include "cli/table.hpp"
#include "http/message.hpp"

namespace tepui::cli {

namespace bj = boost::json;

namespace {

std::string field(const bj::object& run, const char* key) {
  const bj::value* v = run.if_contains(key);
  if (!v || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  return bj::serialize(*v);
}

// An epoch-milliseconds field as UTC time, "" when absent.
std::string when(const bj::object& run, const char* key) {
  const bj::value* v = run.if_contains(key);
  if (!v || !v->is_int64()) return "";
  return formatTime(static_cast<double>(v->as_int64()) / 1000);
}

std::string took(const bj::object& run) {
  const bj::value* start = run.if_contains("startedAt");
  const bj::value* end = run.if_contains("endedAt");
  if (!start || !end || !start->is_int64() || !end->is_int64()) return "";
  return formatAmount(static_cast<double>(end->as_int64() - start->as_int64()) / 1000) + " s";
}

}  // namespace

int jobsRunsMain(int argc, const char* const* argv) {
  std::string jobs = "127.0.0.1:4400";
  int limit = 20;
  bool asJson = false;
  FlagSet flags(
      "Usage: tepui jobs runs NAME [--jobs=HOST:PORT] [--limit=N] [--json]\n\n"
      "Prints the runs of job NAME that the job scheduler keeps: those waiting or running first,\n"
      "then the finished ones, newest first, with their due time, attempt, state, times, agent and\n"
      "what the last status said.");
  flags.add("jobs", &jobs, "The job scheduler's API (host:port)");
  flags.add("limit", &limit, "Runs to print at most (0: all that are kept)");
  flags.add("json", &asJson, "Print the runs as the API gives them (a JSON array)");
  std::vector<std::string> positional;
  if (int rc = parseFlags(flags, argc, argv, "jobs runs", &positional); rc >= 0) return rc;
  if (positional.size() > 1) {
    std::cerr << "tepui jobs runs: unexpected argument '" << positional[1] << "'\n";
    return 2;
  }
  std::string name = positional.empty() ? "" : positional.front();
  if (name.empty()) {
    std::cerr << "tepui jobs runs: give the name of the job\n";
    return 2;
  }
  if (limit < 0) {
    std::cerr << "tepui jobs runs: --limit must not be negative\n";
    return 2;
  }
  auto at = http::parseEndpoint(jobs);
  if (!at) {
    std::cerr << "tepui jobs runs: --jobs must be host:port, got '" << jobs << "'\n";
    return 2;
  }
  auto answer =
      apiCall(*at, "GET", "/v1/scheduler/job/" + http::percentEncode(name) + "/runs?limit=" + std::to_string(limit));
  if (!answer) {
    std::cerr << "tepui jobs runs: " << answer.error().message << "\n";
    return 1;
  }
  bj::error_code ec;
  bj::value runs = bj::parse(answer->body, ec);
  if (answer->status != 200 || ec || !runs.is_array()) {
    std::string why = answer->body;
    if (!ec && runs.is_object() && runs.as_object().contains("message")) why = field(runs.as_object(), "message");
    std::cerr << "tepui jobs runs: " << answer->status << " " << why << "\n";
    return 1;
  }
  if (asJson) {
    std::cout << bj::serialize(runs) << "\n";
    return 0;
  }
  Table table({{"DUE"},
               {"ATTEMPT", Table::Align::RIGHT},
               {"STATE"},
               {"STARTED"},
               {"TOOK", Table::Align::RIGHT},
               {"HOST"},
               {"MESSAGE"}});
  for (auto& r : runs.as_array()) {
    if (!r.is_object()) continue;
    const bj::object& run = r.as_object();
    table.add({when(run, "due"), field(run, "attempt"), field(run, "state"), when(run, "startedAt"), took(run),
               field(run, "hostname"), field(run, "message")});
  }
  if (table.size() == 0) {
    std::cout << "No runs of " << name << " are kept.\n";
    return 0;
  }
  std::cout << table.render();
  return 0;
}

}  // namespace tepui::cli
