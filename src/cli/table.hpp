// Aligned text tables for the human output of the operator commands, and
// the formats of their cells.
//
// Contract: render() prints the header row and then each row, columns
// separated by two spaces and padded to their widest cell (counted in
// UTF-8 characters), left- or right-aligned per column; no line ends in
// spaces. A row shorter than the header gets empty cells; extra cells are
// an error of the caller and are dropped.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tepui::cli {

class Table {
 public:
  enum class Align { LEFT, RIGHT };
  struct Column {
    std::string header;
    Align align = Align::LEFT;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  std::string render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "Key:  value" lines with the values aligned, in the order given.
std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// A quantity with at most three decimals and no trailing zeros: 8, 0.25, 1.333.
std::string formatAmount(double value);
// Megabytes (Mesos's unit for mem and disk) in the largest unit that keeps
// the number at 1 or more, with at most one decimal: "512 MB", "4 GB", "1.5 TB".
std::string formatMegabytes(double megabytes);
// "used / total" in the given format: "0.5 / 8", "64 MB / 4 GB".
std::string usedOfTotal(double used, double total, std::string (*format)(double));
// Seconds since the epoch as UTC: "2026-12-02 15:40:01.250".
std::string formatTime(double seconds);

}  // namespace tepui::cli
