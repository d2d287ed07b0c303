// Misfire policy: what to do with the slots of a schedule that passed while
// the job could not be started (the scheduler was down, or the run waited
// for the cluster). A job field beyond Chronos's API:
//   "misfirePolicy": "runOnce" (default, Chronos 3's behaviour: all missed
//                    slots collapse into one run, due at the oldest of them),
//                    "skip" (no catch-up: a slot runs only if it is at most
//                    "misfireGraceSeconds" old, default 60, as Chronos 2's
//                    epsilon did; older ones are dropped), or
//                    "runAll" (each missed slot runs, oldest first, but at
//                    most the "misfireLimit" newest ones, default 10, at
//                    most 1000; older ones are dropped).
// With "Rn", each run counts against n; dropped slots do not.
//
// catchUp is a pure function: (schedule, now, policy) -> the due times to run
// now and the schedule to store (its next due time lies after now).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "jobs/schedule.hpp"

namespace tepui::jobs {

enum class MisfirePolicy { kRunOnce, kSkip, kRunAll };

struct Misfire {
  static constexpr std::int64_t kMaxLimit = 1000;

  MisfirePolicy policy = MisfirePolicy::kRunOnce;
  std::int64_t limit = 10;         // runAll: the most runs made at once
  std::chrono::seconds grace{60};  // skip: how late a slot may still run
  bool operator==(const Misfire&) const = default;
};

// The three fields from a job's JSON (absent ones take their defaults);
// errors name the field.
Result<Misfire> misfireFromJson(const boost::json::object& job);
// Writes the three fields into a job's JSON.
void misfireToJson(const Misfire& misfire, boost::json::object& job);
std::string_view misfirePolicyName(MisfirePolicy policy);

struct CatchUp {
  std::vector<Millis> runNow;  // the due times of the runs to start now, oldest first
  Schedule next;               // the schedule to store afterwards
};

// Nothing to run when the schedule is exhausted or not yet due at `now`.
CatchUp catchUp(const Schedule& schedule, Millis now, const Misfire& misfire);

}  // namespace tepui::jobs
