#include "jobs/misfire.hpp"

#include <algorithm>
#include <deque>
#include <limits>

namespace tepui::jobs {

namespace {

using std::chrono::milliseconds;

// The newest `cap` slots in [lower, now], oldest first. Looks back over a
// window that doubles from one second, so that the work is about the number
// of slots returned, not the number missed (a PT1S job down for a year).
std::vector<Millis> newestSlots(const Schedule& s, Millis lower, Millis now, std::size_t cap) {
  for (milliseconds window{1000};; window *= 2) {
    Millis from = now - window;
    bool wholeRange = from < lower;
    std::optional<Millis> t = s.slotAfter((wholeRange ? lower : from) - milliseconds(1));
    std::deque<Millis> slots;
    for (; t && *t <= now; t = s.slotFollowing(*t)) {
      slots.push_back(*t);
      if (slots.size() > cap) slots.pop_front();
    }
    if (wholeRange || slots.size() >= cap) return {slots.begin(), slots.end()};
  }
}

Result<std::int64_t> integerField(const boost::json::object& job, std::string_view key, std::int64_t fallback,
                                  std::int64_t min, std::int64_t max) {
  const boost::json::value* v = job.if_contains(key);
  if (v == nullptr || v->is_null()) return fallback;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v->as_uint64());
  } else {
    return Error(std::string(key) + ": expected a whole number from " + std::to_string(min) + " to " +
                 std::to_string(max));
  }
  if (n < min || n > max) {
    return Error(std::string(key) + ": " + std::to_string(n) + " is not from " + std::to_string(min) + " to " +
                 std::to_string(max));
  }
  return n;
}

}  // namespace

std::string_view misfirePolicyName(MisfirePolicy policy) {
  switch (policy) {
    case MisfirePolicy::kSkip: return "skip";
    case MisfirePolicy::kRunAll: return "runAll";
    case MisfirePolicy::kRunOnce:
    default: return "runOnce";
  }
}

Result<Misfire> misfireFromJson(const boost::json::object& job) {
  Misfire m;
  if (const boost::json::value* v = job.if_contains("misfirePolicy"); v != nullptr && !v->is_null()) {
    const boost::json::string* name = v->if_string();
    bool known = false;
    for (MisfirePolicy p : {MisfirePolicy::kRunOnce, MisfirePolicy::kSkip, MisfirePolicy::kRunAll}) {
      if (name != nullptr && *name == misfirePolicyName(p)) {
        m.policy = p;
        known = true;
      }
    }
    if (!known) return Error("misfirePolicy: expected \"runOnce\", \"skip\" or \"runAll\"");
  }
  Result<std::int64_t> limit = integerField(job, "misfireLimit", m.limit, 1, Misfire::kMaxLimit);
  if (!limit) return limit.error();
  m.limit = *limit;
  constexpr std::int64_t kMaxGrace = 366LL * 24 * 3600;
  Result<std::int64_t> grace = integerField(job, "misfireGraceSeconds", m.grace.count(), 0, kMaxGrace);
  if (!grace) return grace.error();
  m.grace = std::chrono::seconds(*grace);
  return m;
}

void misfireToJson(const Misfire& misfire, boost::json::object& job) {
  job["misfirePolicy"] = misfirePolicyName(misfire.policy);
  job["misfireLimit"] = misfire.limit;
  job["misfireGraceSeconds"] = misfire.grace.count();
}

CatchUp catchUp(const Schedule& schedule, Millis now, const Misfire& misfire) {
  std::optional<Millis> due = schedule.nextDue();
  if (!due || *due > now) return {{}, schedule};
  std::vector<Millis> runs;
  switch (misfire.policy) {
    case MisfirePolicy::kRunOnce: runs.push_back(*due); break;
    case MisfirePolicy::kSkip: runs = newestSlots(schedule, std::max(*due, now - misfire.grace), now, 1); break;
    case MisfirePolicy::kRunAll: {
      std::int64_t cap =
          std::min(misfire.limit, schedule.remaining().value_or(std::numeric_limits<std::int64_t>::max()));
      runs = newestSlots(schedule, *due, now, static_cast<std::size_t>(std::max<std::int64_t>(cap, 1)));
      break;
    }
  }
  Schedule next = schedule.afterRuns(static_cast<std::int64_t>(runs.size()), now);
  return {std::move(runs), std::move(next)};
}

}  // namespace tepui::jobs
