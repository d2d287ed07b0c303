// Text tables and cell formats; see table.hpp.
#include "cli/table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace tepui::cli {

namespace {

// Characters, not bytes: continuation bytes of UTF-8 do not count.
size_t displayWidth(const std::string& text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string withDecimals(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text = buffer;
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

}  // namespace

std::string Table::render() const {
  std::vector<size_t> widths;
  for (auto& column : columns_) widths.push_back(displayWidth(column.header));
  for (auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], displayWidth(row[i]));
  }
  std::string out;
  auto line = [&](auto cell) {
    std::string text;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const std::string& value = cell(i);
      std::string padding(widths[i] - displayWidth(value), ' ');
      if (i > 0) text += "  ";
      text += columns_[i].align == Align::RIGHT ? padding + value : value + padding;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line([&](size_t i) -> const std::string& { return columns_[i].header; });
  static const std::string kEmpty;
  for (auto& row : rows_) line([&](size_t i) -> const std::string& { return i < row.size() ? row[i] : kEmpty; });
  return out;
}

std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (auto& [key, value] : fields) width = std::max(width, displayWidth(key) + 1);
  std::string out;
  for (auto& [key, value] : fields) {
    std::string line = key + ":" + std::string(width - displayWidth(key) - 1 + 2, ' ') + value;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string formatAmount(double value) { return withDecimals(value, 3); }

std::string formatMegabytes(double megabytes) {
  static const char* kUnits[] = {"MB", "GB", "TB", "PB"};
  size_t unit = 0;
  double value = megabytes;
  while (std::fabs(value) >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return withDecimals(value, 1) + " " + kUnits[unit];
}

std::string usedOfTotal(double used, double total, std::string (*format)(double)) {
  return format(used) + " / " + format(total);
}

std::string formatTime(double seconds) {
  auto whole = static_cast<std::time_t>(std::floor(seconds));
  int millis = static_cast<int>(std::lround((seconds - static_cast<double>(whole)) * 1000));
  if (millis == 1000) {
    ++whole;
    millis = 0;
  }
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%03d", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buffer;
}

}  // namespace tepui::cli
