#include "jobs/notification.hpp"

#include <array>
#include <utility>

#include "jobs/job.hpp"

namespace tepui::jobs {
namespace {

constexpr std::array<std::pair<NotificationKind, const char*>, 5> kKindNames{{
    {NotificationKind::kFailed, "failed"},
    {NotificationKind::kExhausted, "exhausted"},
    {NotificationKind::kDisabled, "disabled"},
    {NotificationKind::kSucceeded, "succeeded"},
    {NotificationKind::kDeleted, "deleted"},
}};

// What happened, after "job <name> ".
const char* predicate(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kFailed: return "failed";
    case NotificationKind::kExhausted: return "used its last repetition and was disabled";
    case NotificationKind::kDisabled: return "was disabled";
    case NotificationKind::kSucceeded: return "succeeded";
    case NotificationKind::kDeleted: return "was deleted";
  }
  return "changed";
}

}  // namespace

const char* notificationKindName(NotificationKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<NotificationKind> parseNotificationKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (name == n) return k;
  }
  return std::nullopt;
}

std::string notificationSubject(const Notification& n) {
  std::string subject = n.cluster.empty() ? "" : "[" + n.cluster + "] ";
  subject += "job " + n.job + " " + predicate(n.kind);
  // One header line whatever the names hold.
  for (char& c : subject) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return subject;
}

std::string notificationText(const Notification& n) {
  std::string text = "Job " + n.job + " " + predicate(n.kind) + ".\n\n";
  auto line = [&text](const char* label, const std::string& value) {
    if (!value.empty()) text += std::string(label) + " " + value + "\n";
  };
  line("job:", n.job);
  line("owner:", n.ownerName.empty() ? n.owner : n.ownerName + " <" + n.owner + ">");
  line("task:", n.taskId);
  line("time:", formatTimestamp(n.time));
  line("cluster:", n.cluster);
  if (!n.message.empty()) text += "\n" + n.message + "\n";
  return text;
}

boost::json::object notificationJson(const Notification& n) {
  boost::json::object body;
  body["kind"] = notificationKindName(n.kind);
  body["job"] = n.job;
  body["owner"] = n.owner;
  body["to"] = n.owner;  // the key Chronos-compatible receivers read
  body["ownerName"] = n.ownerName;
  body["message"] = n.message;
  body["taskId"] = n.taskId;
  body["time"] = formatTimestamp(n.time);
  body["cluster"] = n.cluster;
  body["subject"] = notificationSubject(n);
  return body;
}

}  // namespace tepui::jobs
