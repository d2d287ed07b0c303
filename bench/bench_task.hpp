// A shell-command task for the benchmarks' frameworks, on an offer's agent
// and in its role: cpus and mem as scalars (a non-positive amount is left
// out), the command run by the shell.
#pragma once

#include <string>
#include <utility>

#include "tepui/v1/mesos.pb.h"

namespace tepui::bench {

inline void fillCommandTask(v1::TaskInfo* task, const std::string& name, const std::string& id, const v1::Offer& offer,
                            double cpus, double mem, const std::string& command) {
  task->set_name(name);
  task->mutable_task_id()->set_value(id);
  *task->mutable_agent_id() = offer.agent_id();
  for (auto [resource, value] : {std::pair<const char*, double>{"cpus", cpus}, {"mem", mem}}) {
    if (value <= 0) continue;
    auto* r = task->add_resources();
    r->set_name(resource);
    r->set_type(v1::Value::SCALAR);
    r->mutable_scalar()->set_value(value);
    r->mutable_allocation_info()->set_role(offer.allocation_info().role());
  }
  task->mutable_command()->set_shell(true);
  task->mutable_command()->set_value(command);
}

}  // namespace tepui::bench
