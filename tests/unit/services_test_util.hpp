// Helpers shared by the services model tests: JSON text to values, apps
// parsed or their validation errors, and a sample app that sets every field.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "services/app_json.hpp"

namespace tepui::services::testutil {

inline boost::json::value json(const std::string& text) { return boost::json::parse(text); }

// The app `text` describes; fails the test (and returns a default app) when
// it does not parse.
inline AppDefinition parsed(const std::string& text, const PathId& base = PathId()) {
  Validated<AppDefinition> app = parseApp(json(text), base);
  EXPECT_TRUE(app.ok()) << text << "\n" << (app.ok() ? "" : app.errors().summary());
  return app.ok() ? app.value() : AppDefinition{};
}

// The validation errors of `text`; fails the test when it parses.
inline ValidationErrors errorsOf(const std::string& text) {
  Validated<AppDefinition> app = parseApp(json(text));
  EXPECT_FALSE(app.ok()) << text;
  return app.ok() ? ValidationErrors{} : app.errors();
}

inline constexpr const char* kFullApp = R"({
  "id": "/product/service/rails-app", "cmd": "bundle exec rails s -p $PORT0", "cpus": 0.5, "mem": 512, "disk": 64,
  "gpus": 1, "instances": 3, "executor": "//cmd", "env": {"RAILS_ENV": "production"},
  "labels": {"HAPROXY_GROUP": "external"},
  "fetch": [{"uri": "https://h/app.tgz", "extract": false, "executable": true, "cache": true,
             "destPath": "bin/app.tgz"}],
  "constraints": [["hostname", "UNIQUE"], ["rack_id", "GROUP_BY", "2"]],
  "portDefinitions": [{"port": 8080, "protocol": "tcp", "name": "http-api"},
                      {"port": 0, "protocol": "udp", "name": "dns", "labels": {"VIP_0": "1.2.3.4:53"}}],
  "requirePorts": true,
  "healthChecks": [{"protocol": "MESOS_HTTP", "path": "/health", "portIndex": 0, "gracePeriodSeconds": 30,
                    "intervalSeconds": 5, "timeoutSeconds": 2, "maxConsecutiveFailures": 0, "delaySeconds": 1,
                    "ignoreHttp1xx": true, "ipProtocol": "IPv6"}],
  "readinessChecks": [{"name": "ready", "protocol": "HTTPS", "path": "/ready", "portName": "http-api",
                       "intervalSeconds": 3, "timeoutSeconds": 1, "httpStatusCodesForReady": [200, 204],
                       "preserveLastResponse": true}],
  "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.25, "progressDeadlineSeconds": 120,
                      "rollbackOnFailure": true},
  "backoffSeconds": 2, "backoffFactor": 2.0, "maxLaunchDelaySeconds": 60, "taskKillGracePeriodSeconds": 5,
  "killSelection": "OLDEST_FIRST",
  "unreachableStrategy": {"inactiveAfterSeconds": 60, "expungeAfterSeconds": 120},
  "dependencies": ["../database"], "user": "nobody", "acceptedResourceRoles": ["*", "web"], "role": "web",
  "version": "2015-09-28T19:47:37.681Z",
  "versionInfo": {"lastScalingAt": "2015-09-28T19:47:37.681Z", "lastConfigChangeAt": "2015-09-20T10:00:00.000Z"}
})";

}  // namespace tepui::services::testutil

#include "services/group_update.hpp"

namespace tepui::services::testutil {

// The reference's /product example: a database group, and a service group
// that depends on it.
inline constexpr const char* kProduct = R"({"id": "/product", "groups": [
  {"id": "/product/database", "apps": [{"id": "/product/database/mysql", "cmd": "mysqld", "instances": 1},
                                       {"id": "mongo", "cmd": "mongod", "instances": 2}]},
  {"id": "service", "dependencies": ["../database"],
   "apps": [{"id": "/product/service/rails-app", "cmd": "rails s", "instances": 3},
            {"id": "play-app", "cmd": "play run", "instances": 2}]}]})";

inline PathId pid(const std::string& text) {
  Result<PathId> id = PathId::parse(text);
  EXPECT_TRUE(id.ok()) << text;
  return id.ok() ? *id : PathId();
}

// `root` after applying the group update `text`; fails the test on errors.
inline Group applied(const Group& root, const std::string& text, const std::string& version = "v1") {
  Validated<GroupUpdate> update = parseGroupUpdate(json(text));
  EXPECT_TRUE(update.ok()) << text << "\n" << (update.ok() ? "" : update.errors().summary());
  if (!update.ok()) return root;
  Validated<Group> next = applyGroupUpdate(root, update.value(), version);
  EXPECT_TRUE(next.ok()) << text << "\n" << (next.ok() ? "" : next.errors().summary());
  return next.ok() ? next.value() : root;
}

}  // namespace tepui::services::testutil
