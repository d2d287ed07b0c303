#include "jobs/run_task.hpp"

#include <set>
#include <sstream>

#include "common/attributes.hpp"
#include "jobs/run_container.hpp"

namespace tepui::jobs {

namespace {

void addVariable(v1::Environment* env, std::set<std::string>& names, const std::string& name,
                 const std::string& value) {
  if (!names.insert(name).second) return;  // the first one stands
  v1::Environment::Variable* v = env->add_variables();
  v->set_name(name);
  v->set_value(value);
}

bool isUrl(const std::string& command) {
  return command.rfind("http://", 0) == 0 || command.rfind("https://", 0) == 0 || command.rfind("ftp://", 0) == 0;
}

void addUris(const Job& job, v1::CommandInfo* command) {
  for (const FetchUri& f : job.fetch) {
    v1::CommandInfo::URI* uri = command->add_uris();
    uri->set_value(f.uri);
    uri->set_cache(f.cache);
    uri->set_extract(f.extract);
    uri->set_executable(f.executable);
    if (!f.outputFile.empty()) uri->set_output_file(f.outputFile);
  }
  for (const std::string& u : job.uris) command->add_uris()->set_value(u);
}

void setCommand(const Job& job, const Run& run, v1::CommandInfo* command) {
  if (isUrl(job.command)) {
    v1::CommandInfo::URI* uri = command->add_uris();
    uri->set_value(job.command);
    uri->set_executable(true);
    command->set_value("\"." + job.command.substr(job.command.rfind('/')) + "\"");
  } else if (job.shell) {
    command->set_shell(true);
    command->set_value(run.args.empty() ? job.command : job.command + " " + run.args);
  } else {
    command->set_shell(false);
    command->set_value(job.command);
    for (const std::string& a : job.arguments) command->add_arguments(a);
    std::istringstream words(run.args);
    for (std::string w; words >> w;) command->add_arguments(w);
  }
  addUris(job, command);
}

}  // namespace

v1::TaskInfo buildTask(const Job& job, const Run& run, const v1::Offer& offer,
                       const std::vector<v1::Resource>& resources) {
  v1::TaskInfo task;
  task.set_name(job.name);
  task.mutable_task_id()->set_value(run.taskId);
  *task.mutable_agent_id() = offer.agent_id();
  for (const v1::Resource& r : resources) *task.add_resources() = r;

  v1::Environment env;
  std::set<std::string> names;
  addVariable(&env, names, "mesos_task_id", run.taskId);
  addVariable(&env, names, "CHRONOS_JOB_OWNER", job.owner);
  addVariable(&env, names, "CHRONOS_JOB_NAME", job.name);
  addVariable(&env, names, "HOST", offer.hostname());
  addVariable(&env, names, "CHRONOS_RESOURCE_MEM", values::formatScalar(job.mem));
  addVariable(&env, names, "CHRONOS_RESOURCE_CPU", values::formatScalar(job.cpus));
  addVariable(&env, names, "CHRONOS_RESOURCE_DISK", values::formatScalar(job.disk));
  addVariable(&env, names, "TEPUI_JOB_NAME", job.name);
  addVariable(&env, names, "TEPUI_RUN_DUE", std::to_string(run.due));
  addVariable(&env, names, "TEPUI_RUN_ATTEMPT", std::to_string(run.attempt));
  for (const EnvironmentVariable& v : job.environmentVariables) addVariable(&env, names, v.name, v.value);

  std::optional<v1::ContainerInfo> container;
  if (job.container) {
    Result<v1::ContainerInfo> c = containerInfo(*job.container);  // checked when the job was put
    if (c) container = std::move(*c);
  }
  if (!job.executor.empty()) {
    v1::ExecutorInfo* executor = task.mutable_executor();
    executor->mutable_executor_id()->set_value("shell-wrapper-executor");
    executor->mutable_command()->set_value(job.executor);
    if (!job.runAsUser.empty()) executor->mutable_command()->set_user(job.runAsUser);
    *executor->mutable_command()->mutable_environment() = env;
    if (container) *executor->mutable_container() = *container;
    task.set_data(job.executorFlags + "|" + job.command);
  } else {
    v1::CommandInfo* command = task.mutable_command();
    setCommand(job, run, command);
    *command->mutable_environment() = env;
    if (!job.runAsUser.empty()) command->set_user(job.runAsUser);
    if (container) *task.mutable_container() = *container;
  }
  for (const Label& l : job.labels) {
    v1::Label* label = task.mutable_labels()->add_labels();
    label->set_key(l.key);
    label->set_value(l.value);
  }
  return task;
}

}  // namespace tepui::jobs
