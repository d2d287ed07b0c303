// Private to the app parser (app_parse*.cpp): each function reads one group
// of fields from the app object into `app`, recording problems in the
// reader's ValidationErrors. Fields that are absent keep the defaults of
// app.hpp. Cross-field rules that need several groups (health check port
// indices, readiness port names) run last, in app_parse.cpp.
#pragma once

#include "services/app.hpp"
#include "services/app_reader.hpp"

namespace tepui::services::app_parse {

// portDefinitions, ports, requirePorts.
void readPorts(const ObjectReader& r, AppDefinition* app);
// fetch, uris.
void readFetch(const ObjectReader& r, AppDefinition* app);
void readConstraints(const ObjectReader& r, AppDefinition* app);
// healthChecks, readinessChecks (their own fields and the mixing rule).
void readHealthChecks(const ObjectReader& r, AppDefinition* app);
void readReadinessChecks(const ObjectReader& r, AppDefinition* app);
// upgradeStrategy, unreachableStrategy, killSelection, backoff*,
// maxLaunchDelaySeconds, taskKillGracePeriodSeconds.
void readStrategies(const ObjectReader& r, AppDefinition* app);

}  // namespace tepui::services::app_parse
