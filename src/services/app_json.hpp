// Marathon-compatible app JSON, both ways.
//
// parseApp() reads a `/v2/apps` body into an AppDefinition with every
// default applied, or returns ALL the problems it found, each under its
// field's path ("/cpus", "/healthChecks(0)/protocol", "/portDefinitions(1)/name",
// "/env/NAME"; "/" for rules about the object as a whole). A relative `id` is
// resolved against `base` (the enclosing group); relative `dependencies`
// against the app's own group. Unknown fields are ignored; fields Tepui
// cannot honour (a secret in `env`, `secrets`) are refused with a reason.
//
// appToJson() writes the full shape with every default, as
// GET /v2/apps/{id} shows it before the runtime adds tasks and counts; it is
// parseApp()'s inverse: parseApp(appToJson(app)) == app.
#pragma once

#include <boost/json/value.hpp>

#include "services/app.hpp"
#include "services/path_id.hpp"
#include "services/validation_errors.hpp"

namespace tepui::services {

Validated<AppDefinition> parseApp(const boost::json::value& json, const PathId& base = PathId());

boost::json::value appToJson(const AppDefinition& app);
// One health check as appToJson() writes it (also in health events).
boost::json::value healthCheckJson(const HealthCheck& check);

}  // namespace tepui::services
