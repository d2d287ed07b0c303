// The durable state of `tepui jobs` as document writes, and the names of the
// collections that hold it (in the frameworks runtime's Repository):
//   "jobs"       id = job name: the job's JSON (jobToJson), its `schedule`
//                showing the next due time for an ISO schedule;
//   "job_state"  id = job name: the scheduler's run state of the job (the
//                last due time handled, the dependency edge counts);
//   "active"     id = task id: a run not finished yet (queued, launching or
//                running), so that a new leader knows what was launched;
//   "runs"       id = "<job>/<seq>": a finished run, the last N per job.
//
// The engine decides and returns DocWrites; the wiring commits every write
// of one decision in ONE Repository::Change before it acts on the decision.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tepui::jobs {

inline constexpr const char* kJobsCollection = "jobs";
inline constexpr const char* kJobStateCollection = "job_state";
inline constexpr const char* kActiveCollection = "active";
inline constexpr const char* kRunsCollection = "runs";

struct DocWrite {
  std::string collection;
  std::string id;
  std::optional<boost::json::value> doc;  // nullopt: erase
};

using DocWrites = std::vector<DocWrite>;

inline void putDoc(DocWrites& writes, std::string collection, std::string id, boost::json::value doc) {
  writes.push_back({std::move(collection), std::move(id), std::move(doc)});
}
inline void eraseDoc(DocWrites& writes, std::string collection, std::string id) {
  writes.push_back({std::move(collection), std::move(id), std::nullopt});
}

}  // namespace tepui::jobs
