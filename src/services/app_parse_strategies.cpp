// How the app is upgraded, relaunched and killed: upgradeStrategy (with
// Tepui's progress deadline), unreachableStrategy, killSelection, launch
// backoff and the kill grace period.
#include <boost/json/object.hpp>

#include "services/app_parse_internal.hpp"

namespace tepui::services::app_parse {

namespace bj = boost::json;

namespace {

void readUpgradeStrategy(const ObjectReader& app, UpgradeStrategy* out) {
  if (!app.has("upgradeStrategy")) return;
  ObjectReader r(*app.find("upgradeStrategy"), app.pathOf("upgradeStrategy"), app.errors());
  if (auto x = r.numberBetween("minimumHealthCapacity", 0, 1)) out->minimumHealthCapacity = *x;
  if (auto x = r.numberBetween("maximumOverCapacity", 0, 1)) out->maximumOverCapacity = *x;
  out->progressDeadlineSeconds = r.integerAtLeast("progressDeadlineSeconds", 1);
  if (auto x = r.boolean("rollbackOnFailure")) out->rollbackOnFailure = *x;
}

// "disabled", or {inactiveAfterSeconds, expungeAfterSeconds}; a missing
// expungeAfterSeconds is max(600, inactiveAfterSeconds).
void readUnreachableStrategy(const ObjectReader& app, UnreachableStrategy* out) {
  const bj::value* v = app.find("unreachableStrategy");
  if (v == nullptr) return;
  if (v->is_string()) {
    if (v->get_string() == "disabled") {
      *out = UnreachableStrategy{.enabled = false, .inactiveAfterSeconds = 0, .expungeAfterSeconds = 0};
    } else {
      app.fail("unreachableStrategy", "must be \"disabled\" or {inactiveAfterSeconds, expungeAfterSeconds}");
    }
    return;
  }
  ObjectReader r(*v, app.pathOf("unreachableStrategy"), app.errors());
  if (!r.isObject()) return;
  std::optional<int64_t> inactive = r.integerAtLeast("inactiveAfterSeconds", 0);
  std::optional<int64_t> expunge = r.integerAtLeast("expungeAfterSeconds", 0);
  if (inactive) out->inactiveAfterSeconds = *inactive;
  out->expungeAfterSeconds = expunge.value_or(std::max<int64_t>(600, out->inactiveAfterSeconds));
  if (out->expungeAfterSeconds < out->inactiveAfterSeconds) {
    r.fail("expungeAfterSeconds",
           "must be at least inactiveAfterSeconds (" + std::to_string(out->inactiveAfterSeconds) + ")");
  }
}

}  // namespace

void readStrategies(const ObjectReader& r, AppDefinition* app) {
  readUpgradeStrategy(r, &app->upgradeStrategy);
  readUnreachableStrategy(r, &app->unreachableStrategy);
  if (auto x = r.string("killSelection")) {
    if (*x == "YOUNGEST_FIRST") {
      app->killSelection = KillSelection::kYoungestFirst;
    } else if (*x == "OLDEST_FIRST") {
      app->killSelection = KillSelection::kOldestFirst;
    } else {
      r.fail("killSelection", "must be YOUNGEST_FIRST or OLDEST_FIRST");
    }
  }
  if (auto x = r.integerAtLeast("backoffSeconds", 0)) app->backoffSeconds = *x;
  if (auto x = r.numberAtLeast("backoffFactor", 1.0)) app->backoffFactor = *x;
  if (auto x = r.integerAtLeast("maxLaunchDelaySeconds", 0)) app->maxLaunchDelaySeconds = *x;
  app->taskKillGracePeriodSeconds = r.integerAtLeast("taskKillGracePeriodSeconds", 1);
}

}  // namespace tepui::services::app_parse
