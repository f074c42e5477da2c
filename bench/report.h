// The benchmark's Markdown output: a results table plus the machine it ran on.
#pragma once

#include <string>
#include <vector>

namespace imchat::bench {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Markdown() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// printf-style formatting into a std::string.
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// "1,234,567" for large counts, fixed decimals for small values.
std::string Number(double value);
// One line describing CPU model, cores, memory, kernel and mosquitto version.
std::string MachineDescription();

}  // namespace imchat::bench
