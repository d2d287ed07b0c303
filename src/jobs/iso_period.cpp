#include "jobs/iso_period.hpp"

#include "jobs/iso_digits.hpp"

namespace tepui::jobs {

namespace {

using std::chrono::milliseconds;

Error periodError(std::string_view text, const std::string& why) {
  return Error("the period '" + std::string(text) + "' " + why +
               " (expected P[n]Y[n]M[n]W[n]DT[n]H[n]M[n]S, e.g. PT10M or P1D)");
}

// The field a designator names in the date part (before T) or the time part.
std::int64_t* fieldFor(IsoPeriod& p, char designator, bool timePart) {
  if (!timePart) {
    switch (designator) {
      case 'Y': return &p.years;
      case 'M': return &p.months;
      case 'W': return &p.weeks;
      case 'D': return &p.days;
      default: return nullptr;
    }
  }
  switch (designator) {
    case 'H': return &p.hours;
    case 'M': return &p.minutes;
    case 'S': return &p.seconds;
    default: return nullptr;
  }
}

// The local date of `local` with `f` applied, the time of day kept.
template <typename F>
LocalMillis withLocalDate(LocalMillis local, F f) {
  date::local_days day = date::floor<date::days>(local);
  auto timeOfDay = local - day;
  return date::local_days{f(date::year_month_day{day})} + timeOfDay;
}

date::year_month_day clampToMonth(date::year_month_day ymd) {
  if (ymd.ok()) return ymd;
  return date::year_month_day{date::year_month_day_last{ymd.year(), date::month_day_last{ymd.month()}}};
}

// One date field added in local time, then back to an instant keeping the
// offset the instant had where the local time allows it (Joda's
// convertLocalToUTC with the original instant).
template <typename F>
Millis addLocal(Millis instant, const TimeZone& zone, F f) {
  std::chrono::seconds offset = zone.offsetAt(instant);
  LocalMillis local{instant.time_since_epoch() + offset};
  return zone.resolve(withLocalDate(local, f), offset);
}

}  // namespace

milliseconds IsoPeriod::exactPart() const {
  return std::chrono::hours(hours) + std::chrono::minutes(minutes) + std::chrono::seconds(seconds) +
         milliseconds(millis);
}

Result<IsoPeriod> parseIsoPeriod(std::string_view text) {
  if (text.empty() || text.front() != 'P') return periodError(text, "does not start with P");
  IsoPeriod p;
  bool timePart = false;
  bool anyField = false;
  char lastOrder = 0;  // designators must come in order, each once
  std::string_view rest = text.substr(1);
  while (!rest.empty()) {
    if (rest.front() == 'T') {
      if (timePart) return periodError(text, "has a second T");
      timePart = true;
      lastOrder = 0;
      rest.remove_prefix(1);
      if (rest.empty()) return periodError(text, "has no time fields after T");
      continue;
    }
    Digits number = takeDigits(rest);
    if (number.count == 0) {
      if (rest.front() == '-') return periodError(text, "is negative");
      return periodError(text, "has '" + std::string(1, rest.front()) + "' where a number was expected");
    }
    if (number.overflow) return periodError(text, "has a number too large");
    Digits fraction;
    bool hasFraction = false;
    if (!rest.empty() && (rest.front() == '.' || rest.front() == ',')) {
      rest.remove_prefix(1);
      fraction = takeDigits(rest);
      hasFraction = true;
      if (fraction.count == 0) return periodError(text, "has a decimal point without digits after it");
    }
    if (rest.empty()) return periodError(text, "ends with a number and no unit");
    char designator = rest.front();
    rest.remove_prefix(1);
    std::int64_t* field = fieldFor(p, designator, timePart);
    if (field == nullptr) {
      return periodError(text, "has an unknown unit '" + std::string(1, designator) + "'" +
                                   (timePart ? " in its time part" : " in its date part"));
    }
    // The order Y M W D and H M S; comparing positions in those strings.
    std::string_view order = timePart ? "HMS" : "YMWD";
    char position = static_cast<char>(order.find(designator) + 1);
    if (position <= lastOrder) return periodError(text, "has its units out of order or repeated");
    lastOrder = position;
    if (hasFraction && !(timePart && designator == 'S')) {
      return periodError(text, "has a fraction on a unit other than seconds");
    }
    *field = number.value;
    if (hasFraction) p.millis = fraction.millis;
    anyField = true;
  }
  if (!anyField) return periodError(text, "has no fields");
  // Far beyond any schedule; the bound keeps the arithmetic in range. Each
  // field is checked alone first so that the sums below cannot overflow.
  constexpr std::int64_t kMaxYears = 1000;
  constexpr std::int64_t kMaxSeconds = kMaxYears * 366 * 24 * 3600;
  for (std::int64_t v : {p.years, p.months, p.weeks, p.days, p.hours, p.minutes, p.seconds}) {
    if (v > kMaxSeconds) return periodError(text, "is longer than 1000 years");
  }
  if (p.years * 12 + p.months > kMaxYears * 12 || p.weeks * 7 + p.days > kMaxYears * 366 ||
      p.exactPart() > std::chrono::seconds(kMaxSeconds)) {
    return periodError(text, "is longer than 1000 years");
  }
  if (!p.hasDateFields() && p.exactPart() == milliseconds(0)) return periodError(text, "is zero");
  return p;
}

std::string formatIsoPeriod(const IsoPeriod& p) {
  std::string out = "P";
  auto field = [&out](std::int64_t v, char unit) {
    if (v != 0) out += std::to_string(v) + unit;
  };
  field(p.years, 'Y');
  field(p.months, 'M');
  field(p.weeks, 'W');
  field(p.days, 'D');
  if (p.hours != 0 || p.minutes != 0 || p.seconds != 0 || p.millis != 0) {
    out += 'T';
    field(p.hours, 'H');
    field(p.minutes, 'M');
    if (p.seconds != 0 || p.millis != 0) {
      out += std::to_string(p.seconds);
      if (p.millis != 0) out += "." + threeDigits(p.millis);
      out += 'S';
    }
  }
  if (out == "P") out += "T0S";
  return out;
}

Millis addPeriod(Millis instant, const IsoPeriod& p, const TimeZone& zone) {
  using date::months;
  using date::years;
  if (p.years != 0) {
    instant = addLocal(instant, zone, [&](date::year_month_day d) { return clampToMonth(d + years(p.years)); });
  }
  if (p.months != 0) {
    instant = addLocal(instant, zone, [&](date::year_month_day d) { return clampToMonth(d + months(p.months)); });
  }
  auto addDays = [&](std::int64_t n) {
    instant = addLocal(instant, zone,
                       [&](date::year_month_day d) { return date::year_month_day{date::sys_days{d} + date::days(n)}; });
  };
  if (p.weeks != 0) addDays(7 * p.weeks);
  if (p.days != 0) addDays(p.days);
  return instant + p.exactPart();
}

}  // namespace tepui::jobs
