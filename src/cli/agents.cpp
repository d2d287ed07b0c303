// `tepui agents` and `tepui frameworks`: the cluster's members as tables
// (or --json: the operator API's GET_AGENTS and GET_FRAMEWORKS shapes),
// from one GET_STATE.
//
// agents: see agentTable() in views.hpp. frameworks: id, name, roles,
// state (active, inactive, disconnected, or completed with --all), live
// tasks, cpus and mem allocated.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/operator_command.hpp"
#include "cli/views.hpp"
#include "common/json.hpp"

namespace tepui::cli {

namespace {

using Align = Table::Align;

std::string frameworkState(const FrameworkEntry& framework, bool completed) {
  if (completed) return "completed";
  if (!framework.connected()) return "disconnected";
  return framework.active() ? "active" : "inactive";
}

std::string roles(const v1::FrameworkInfo& info) {
  if (info.roles_size() == 0) return info.role();
  std::string text;
  for (auto& role : info.roles()) text += (text.empty() ? "" : ",") + role;
  return text;
}

}  // namespace

int agentsMain(int argc, const char* const* argv) {
  OperatorCommand command("agents",
                          "Usage: tepui agents [--master HOST:PORT] [--json]\n\n"
                          "Lists the agents: id, hostname, state, cpus, mem and disk used / total, live tasks.");
  if (int rc = command.parse(argc, argv); rc >= 0) return rc;
  auto state = command.state();
  if (!state) return kExitFailed;
  const auto& agents = state->raw().get_agents();
  if (command.json()) {
    std::cout << json::toJson(agents) << "\n";
    return kExitOk;
  }
  std::vector<const AgentEntry*> connected;
  for (auto& agent : agents.agents()) connected.push_back(&agent);
  std::cout << agentTable(*state, connected, true).render();
  return kExitOk;
}

int frameworksMain(int argc, const char* const* argv) {
  OperatorCommand command("frameworks",
                          "Usage: tepui frameworks [--all] [--master HOST:PORT] [--json]\n\n"
                          "Lists the frameworks: id, name, roles, state, live tasks, cpus and mem allocated.");
  bool all = false;
  command.flags().add("all", &all, "Also list the completed frameworks (torn down or failed over for good)");
  if (int rc = command.parse(argc, argv); rc >= 0) return rc;
  auto state = command.state();
  if (!state) return kExitFailed;
  auto frameworks = state->raw().get_frameworks();
  if (!all) frameworks.clear_completed_frameworks();
  if (command.json()) {
    std::cout << json::toJson(frameworks) << "\n";
    return kExitOk;
  }
  Table table(
      {{"ID"}, {"NAME"}, {"ROLES"}, {"STATE"}, {"TASKS", Align::RIGHT}, {"CPUS", Align::RIGHT}, {"MEM", Align::RIGHT}});
  auto addRow = [&](const FrameworkEntry& framework, bool completed) {
    const auto& info = framework.framework_info();
    auto used = amounts(framework.allocated_resources());
    table.add({info.id().value(), info.name(), roles(info), frameworkState(framework, completed),
               std::to_string(state->liveTasksOfFramework(info.id().value())), formatAmount(used.cpus),
               formatMegabytes(used.mem)});
  };
  for (auto& framework : frameworks.frameworks()) addRow(framework, false);
  for (auto& framework : frameworks.completed_frameworks()) addRow(framework, true);
  std::cout << table.render();
  return kExitOk;
}

}  // namespace tepui::cli
