// Changes to an app: what kind of change a new definition is, the version
// stamps Marathon-compatible clients see, and PATCH-style partial updates.
//
// A change that touches only `instances` is a scale change: it starts or
// kills instances and never restarts the others. Any other difference
// (ignoring version and versionInfo) is a config change: a rolling restart.
// A new lastConfigChangeAt with an unchanged definition is a forced restart
// (POST /v2/apps/{id}/restart). Versions are UTC timestamps with
// milliseconds, "2015-09-28T19:47:37.681Z". Pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <string>

#include "services/app.hpp"
#include "services/validation_errors.hpp"

namespace tepui::services {

// Every field equal but instances, version and versionInfo.
bool sameConfig(const AppDefinition& a, const AppDefinition& b);
// A rolling restart is needed: the config differs, or both carry a
// lastConfigChangeAt and they differ (a forced restart).
bool needsRestart(const AppDefinition& old, const AppDefinition& next);
// Only the instance count changed.
bool isScaleOnly(const AppDefinition& old, const AppDefinition& next);

// `next` with version and versionInfo set as Marathon does: a new app, a
// config change or `forceRestart` sets both timestamps to `version`; a scale
// change sets lastScalingAt only (lastConfigChangeAt stays the old one); an
// unchanged app keeps the old version and versionInfo. `old` is null for a
// new app.
AppDefinition stampVersion(const AppDefinition* old, AppDefinition next, const std::string& version,
                           bool forceRestart = false);

// PATCH (and PUT with partialUpdate=true): the keys of `patch` replace the
// same top-level keys of `existing`'s full JSON (a null removes the key, so
// its default applies again), then the result is parsed and validated as a
// whole. Setting one of a pair of exclusive fields drops the other from the
// existing JSON: cmd/args, portDefinitions/ports, fetch/uris. Relative ids
// resolve against the existing app's group. `patch` must be an object.
Validated<AppDefinition> patchApp(const AppDefinition& existing, const boost::json::value& patch);

}  // namespace tepui::services
