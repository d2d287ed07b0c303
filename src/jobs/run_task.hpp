// The Mesos TaskInfo of a job's run, as a Chronos-compatible scheduler
// builds it:
//   - name: the job's name; task id: the run's (task_id.hpp);
//   - a command (no custom executor): `command` as a shell string when
//     `shell`, else the executable with `arguments` as argv. The run's
//     arguments (PUT /job/{name}?arguments=) are appended: split on
//     whitespace into argv without a shell, after a space with one. A
//     command that is an http(s)/ftp URL is fetched (executable) and run
//     from the sandbox, as Chronos does. `fetch` (or the deprecated `uris`)
//     become the command's URIs; the user is the job's runAsUser;
//   - a custom `executor`: an ExecutorInfo running it, with data
//     "<executorFlags>|<command>" (Chronos's form);
//   - the environment: the job's variables, after these, which they cannot
//     override: mesos_task_id, CHRONOS_JOB_NAME, CHRONOS_JOB_OWNER, HOST,
//     CHRONOS_RESOURCE_CPU, CHRONOS_RESOURCE_MEM, CHRONOS_RESOURCE_DISK (the
//     names scripts written for Chronos read) and Tepui's own
//     TEPUI_JOB_NAME, TEPUI_RUN_DUE (epoch ms), TEPUI_RUN_ATTEMPT;
//   - the job's labels; its container (run_container.hpp);
//   - the resources given (offer_fit.hpp).
#pragma once

#include <vector>

#include "jobs/job.hpp"
#include "jobs/run.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::jobs {

v1::TaskInfo buildTask(const Job& job, const Run& run, const v1::Offer& offer,
                       const std::vector<v1::Resource>& resources);

}  // namespace tepui::jobs
