#include "jobs/task_id.hpp"

#include <charconv>

#include "common/ids.hpp"
#include "jobs/job.hpp"

namespace tepui::jobs {

namespace {

constexpr std::string_view kPrefix = "ct:";
constexpr char kHex[] = "0123456789ABCDEF";

bool needsEscape(unsigned char c) { return c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '%'; }

std::string escapeArgs(const std::string& args) {
  std::string out;
  for (unsigned char c : args) {
    if (needsEscape(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Result<std::string> unescapeArgs(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || hexValue(text[i + 1]) < 0 || hexValue(text[i + 2]) < 0) {
      return Error("'%' at byte " + std::to_string(i) + " of the arguments is not followed by two hex digits");
    }
    out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
    i += 2;
  }
  return out;
}

// The decimal number at the start of `text` up to the next ':', consumed.
Result<int64_t> takeNumber(std::string_view* text, const char* what) {
  const size_t colon = text->find(':');
  const std::string_view digits = text->substr(0, colon);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || digits[0] == '-' || digits[0] == '+' || ec != std::errc() ||
      ptr != digits.data() + digits.size()) {
    return Error(std::string("the ") + what + " '" + std::string(digits) + "' is not a non-negative integer");
  }
  if (colon == std::string_view::npos) return Error(std::string("nothing follows the ") + what);
  text->remove_prefix(colon + 1);
  return value;
}

}  // namespace

Result<std::string> formatTaskId(const TaskId& id) {
  if (id.dueMillis < 0) return Error("the due time must not be before 1970");
  if (id.attempt < 0) return Error("the attempt must not be negative");
  if (!isValidJobName(id.jobName)) return Error("'" + id.jobName + "' is not a valid job name");
  std::string text = std::string(kPrefix) + std::to_string(id.dueMillis) + ":" + std::to_string(id.attempt) + ":" +
                     id.jobName + ":" + escapeArgs(id.args);
  const std::string why = ids::invalidIdReason(text);
  if (!why.empty()) return Error("the task id of job '" + id.jobName + "' " + why + " (shorten the arguments)");
  return text;
}

Result<TaskId> parseTaskId(std::string_view text) {
  const std::string context = "task id '" + std::string(text) + "'";
  if (!text.starts_with(kPrefix)) return Error(context + " does not start with 'ct:'");
  std::string_view rest = text.substr(kPrefix.size());
  TaskId id;
  Result<int64_t> due = takeNumber(&rest, "due time");
  if (!due) return due.error().context(context);
  Result<int64_t> attempt = takeNumber(&rest, "attempt");
  if (!attempt) return attempt.error().context(context);
  id.dueMillis = *due;
  id.attempt = *attempt;
  const size_t colon = rest.find(':');
  id.jobName = std::string(rest.substr(0, colon));
  if (!isValidJobName(id.jobName)) return Error(context + ": '" + id.jobName + "' is not a valid job name");
  if (colon != std::string_view::npos) {
    Result<std::string> args = unescapeArgs(rest.substr(colon + 1));
    if (!args) return args.error().context(context);
    id.args = std::move(*args);
  }
  return id;
}

}  // namespace tepui::jobs
