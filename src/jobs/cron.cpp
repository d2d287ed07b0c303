#include "jobs/cron.hpp"

#include <array>
#include <cctype>
#include <vector>

#include "common/strings.hpp"
#include "jobs/iso_digits.hpp"

namespace tepui::jobs {

namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;                            // day of week: 7, folded into 0 after parsing
  std::array<const char*, 12> names;  // for min.., or empty
};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day-of-month", 1, 31, {}},
    {"month", 1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
    {"day-of-week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
};

struct Alias {
  const char* name;
  const char* fields;
};
constexpr Alias kAliases[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// One value of a field: a number or (months, days of week) a name.
Result<int> parseValue(std::string_view text, const FieldSpec& spec) {
  std::string_view rest = text;
  Digits d = takeDigits(rest);
  if (d.count > 0 && rest.empty() && !d.overflow) {
    if (d.value < spec.min || d.value > spec.max) {
      return Error(std::to_string(d.value) + " is out of range " + std::to_string(spec.min) + "-" +
                   std::to_string(spec.max));
    }
    return static_cast<int>(d.value);
  }
  std::string name = upper(text);
  for (std::size_t i = 0; i < spec.names.size() && spec.names[i] != nullptr; ++i) {
    if (name == spec.names[i]) return spec.min + static_cast<int>(i);
  }
  return Error("'" + std::string(text) + "' is not a " + (spec.names[0] ? "number or name" : "number"));
}

// One comma-separated item: *, a, a-b, each optionally /step.
Status parseItem(std::string_view item, const FieldSpec& spec, std::vector<bool>& set) {
  int step = 1;
  std::size_t slash = item.find('/');
  std::string_view range = item.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view stepText = item.substr(slash + 1);
    Digits d = takeDigits(stepText);
    if (d.count == 0 || !stepText.empty() || d.overflow || d.value < 1 || d.value > spec.max) {
      return Error("the step in '" + std::string(item) + "' is not a number from 1 to " + std::to_string(spec.max));
    }
    step = static_cast<int>(d.value);
  }
  int low = spec.min, high = spec.max;
  if (range != "*") {
    std::size_t dash = range.find('-');
    Result<int> a = parseValue(range.substr(0, dash), spec);
    if (!a) return a.error();
    low = *a;
    if (dash != std::string_view::npos) {
      Result<int> b = parseValue(range.substr(dash + 1), spec);
      if (!b) return b.error();
      high = *b;
      if (high < low) return Error("the range '" + std::string(range) + "' runs backwards");
    } else if (slash == std::string_view::npos) {
      high = low;  // a single value; "a/n" runs to the field's end
    }
  }
  for (int v = low; v <= high; v += step) set[static_cast<std::size_t>(v)] = true;
  return okStatus();
}

template <std::size_t N>
Result<std::bitset<N>> parseField(std::string_view text, const FieldSpec& spec) {
  std::vector<bool> set(static_cast<std::size_t>(spec.max) + 1, false);
  if (text.empty() || text.front() == ',' || text.back() == ',' || text.find(",,") != std::string_view::npos) {
    return Error("has an empty list item");
  }
  for (const std::string& item : splitNonEmpty(text, ',')) {
    Status s = parseItem(item, spec, set);
    if (!s) return s.error();
  }
  std::bitset<N> bits;
  for (std::size_t v = 0; v < set.size(); ++v) {
    if (set[v]) bits.set(v % N);  // day of week 7 folds onto 0 (N = 7)
  }
  return bits;
}

// Whether some selected month has a selected day of month (Feb: up to 29).
bool dayOfMonthCanMeetMonth(const CronExpression& c) {
  constexpr int kDaysIn[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    if (!c.months[static_cast<std::size_t>(m)]) continue;
    for (int d = 1; d <= kDaysIn[m]; ++d) {
      if (c.daysOfMonth[static_cast<std::size_t>(d)]) return true;
    }
  }
  return false;
}

// The fields of `text`, split at spaces and tabs.
std::vector<std::string> cronFields(std::string_view text) {
  std::string spaced(text);
  for (char& c : spaced) c = (c == '\t' ? ' ' : c);
  return splitNonEmpty(spaced, ' ');
}

}  // namespace

bool CronExpression::matchesDay(date::local_days day) const {
  date::year_month_day ymd{day};
  if (!months[static_cast<unsigned>(ymd.month())]) return false;
  bool dom = daysOfMonth[static_cast<unsigned>(ymd.day())];
  bool dow = daysOfWeek[date::weekday{day}.c_encoding()];
  if (dayOfMonthStar || dayOfWeekStar) return dom && dow;
  return dom || dow;
}

bool looksLikeCron(std::string_view text) {
  std::vector<std::string> fields = cronFields(text);
  return (fields.size() == 1 && fields[0].front() == '@') || fields.size() == 5;
}

Result<CronExpression> parseCron(std::string_view text) {
  std::vector<std::string> fields = cronFields(text);
  CronExpression c;
  if (fields.size() == 1 && fields[0].front() == '@') {
    const Alias* alias = nullptr;
    for (const Alias& a : kAliases) {
      if (fields[0] == a.name) alias = &a;
    }
    if (alias == nullptr) {
      return Error("the cron alias '" + fields[0] +
                   "' is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly");
    }
    Result<CronExpression> expanded = parseCron(alias->fields);
    if (!expanded) return expanded.error();
    c = *expanded;
    c.text = fields[0];
    return c;
  }
  if (fields.size() != 5) {
    return Error("the cron expression '" + std::string(text) + "' has " + std::to_string(fields.size()) +
                 " fields (expected 5: minute hour day-of-month month day-of-week)");
  }
  auto fieldError = [&](int i, const Error& e) {
    return Error("the cron " + std::string(kFields[i].name) + " field '" + fields[static_cast<std::size_t>(i)] +
                 "': " + e.message);
  };
  auto minutes = parseField<60>(fields[0], kFields[0]);
  if (!minutes) return fieldError(0, minutes.error());
  auto hours = parseField<24>(fields[1], kFields[1]);
  if (!hours) return fieldError(1, hours.error());
  auto dom = parseField<32>(fields[2], kFields[2]);
  if (!dom) return fieldError(2, dom.error());
  auto months = parseField<13>(fields[3], kFields[3]);
  if (!months) return fieldError(3, months.error());
  auto dow = parseField<7>(fields[4], kFields[4]);
  if (!dow) return fieldError(4, dow.error());
  c.minutes = *minutes;
  c.hours = *hours;
  c.daysOfMonth = *dom;
  c.months = *months;
  c.daysOfWeek = *dow;
  c.dayOfMonthStar = fields[2].front() == '*';
  c.dayOfWeekStar = fields[4].front() == '*';
  c.wildcardTime = fields[0].front() == '*' || fields[1].front() == '*';
  c.text = fields[0] + " " + fields[1] + " " + fields[2] + " " + fields[3] + " " + fields[4];
  if ((c.dayOfMonthStar || c.dayOfWeekStar) && !dayOfMonthCanMeetMonth(c)) {
    return Error("the cron expression '" + std::string(text) +
                 "' never fires: no selected month has the selected day of month");
  }
  return c;
}

}  // namespace tepui::jobs
