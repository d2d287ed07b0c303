// What `tepui jobs` tells a job's owners: one Notification per event, and
// the texts every channel derives from it (a subject line, a plain-text
// body, the webhook's JSON). Pure functions; the delivery is notifier.hpp's.
//
// The subject is prefixed with the cluster name in brackets when one is
// configured, in the Chronos-compatible form: "[prod] job nightly-etl
// failed". Line breaks in the names become spaces, so a subject is always
// one header line.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tepui::jobs {

enum class NotificationKind {
  kFailed,     // a run failed and will not be retried
  kExhausted,  // an "Rn" schedule used its last repetition: the job was disabled
  kDisabled,   // the job was disabled (--disable_after_failures)
  kSucceeded,  // a run succeeded (sent only with --notify_on_success)
  kDeleted,    // the job was deleted
};

// "failed", "exhausted", "disabled", "succeeded", "deleted".
const char* notificationKindName(NotificationKind kind);
std::optional<NotificationKind> parseNotificationKind(std::string_view name);

struct Notification {
  NotificationKind kind = NotificationKind::kFailed;
  std::string job;        // the job's name
  std::string owner;      // comma-separated e-mail addresses (may be empty)
  std::string ownerName;  // informational
  std::string message;    // what happened, in the scheduler's words ("exit status 1")
  std::string taskId;     // the run's task id, "" when no run is involved
  std::chrono::system_clock::time_point time;
  std::string cluster;  // --cluster_name, "" when unset
};

// "[prod] job nightly-etl failed"; no brackets when the cluster is "".
std::string notificationSubject(const Notification& n);

// The plain-text body of a mail, lines separated by "\n": the subject's
// sentence, then "job:", "owner:", "task:", "time:", "cluster:" lines for
// the fields that are set, a blank line and the message.
std::string notificationText(const Notification& n);

// The webhook's body: {"kind", "job", "owner", "to" (the owner again,
// under the key Chronos-compatible receivers read), "ownerName",
// "message", "taskId", "time" (ISO 8601 UTC with milliseconds), "cluster",
// "subject"}; every key always present, "" when unset.
boost::json::object notificationJson(const Notification& n);

}  // namespace tepui::jobs
