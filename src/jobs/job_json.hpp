// Jobs to and from the JSON of Chronos's API (`POST /iso8601`,
// `POST /dependency`, `GET /jobs`, `GET /jobs/summary`) and of the Store.
//
// parseJob reads a request body into a Job:
//   - fields left out take Chronos's defaults, and cpus/mem/disk/runAsUser
//     the server's (JobDefaults);
//   - unknown fields are ignored, as Chronos does (so 2.x bodies with
//     `epsilon` or `async` are accepted);
//   - the server-maintained fields (successCount, errorCount, lastSuccess,
//     lastError, errorsSinceLastSuccess) in the body are ignored: a new job
//     starts at zero, a replacement takes them from the stored job
//     (carryServerFields in job.hpp);
//   - a bad body is an Error whose message starts with the field's path,
//     "retries: must be an integer", "fetch[1].uri: is required", for the
//     API to answer 400 with;
//   - `kind` is the endpoint's: a scheduled job needs a non-empty schedule
//     and no parents, a dependent job at least one parent and no schedule.
//     The schedule's text is not parsed here (the schedule helpers do);
//     that parents exist and make no cycle is the graph's check.
//
// jobToJson writes Chronos's full shape (every field, `schedule` and
// `scheduleTimeZone` for a scheduled job, `parents` for a dependent one),
// including the server-maintained fields; jobFromStore reads that back,
// server fields included. A round trip jobFromStore(jobToJson(j)) == j.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string_view>

#include "common/result.hpp"
#include "jobs/job.hpp"

namespace tepui::jobs {

Result<Job> parseJob(const boost::json::value& body, JobKind kind, const JobDefaults& defaults);
// The same from text; text that is not JSON is an error saying so.
Result<Job> parseJobText(std::string_view text, JobKind kind, const JobDefaults& defaults);

boost::json::object jobToJson(const Job& job);
Result<Job> jobFromStore(const boost::json::value& stored, const JobDefaults& defaults);

// {name, status, state, schedule, parents, disabled}: one element of
// /jobs/summary's `jobs`. `state` is lastState(job); `schedule` is "" for a
// dependent job and `parents` [] for a scheduled one.
boost::json::object jobSummaryJson(const Job& job, JobStatus status);

}  // namespace tepui::jobs
