// A table printed two ways: aligned columns for the terminal, a Markdown pipe table for
// docs/performance.md.
#pragma once

#include <string>
#include <vector>

namespace euiccd::bench {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string text() const;
  std::string markdown() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "12.3" with `decimals` digits.
std::string fixed(double value, int decimals = 1);
// "0.54×"
std::string ratio(double value);

}  // namespace euiccd::bench
