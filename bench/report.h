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

// A progress line on stderr ("bench: ..."), so stdout stays the report.
void Progress(const std::string& line);

// Appends a run's result to `into`; a failed one is also named in `results->failures`
// (left out of the medians) and reported at once.
template <typename Results, typename R>
void Keep(const R& r, const std::string& what, Results* results, std::vector<R>* into) {
  if (!r.ok) {
    results->failures.push_back(what + ": " + r.error);
    Progress(what + " FAILED: " + r.error);
  }
  into->push_back(r);
}

// "\n<heading> (left out of the medians):\n\n- ...\n" for each failure; "" for none.
std::string FailuresSection(const std::string& heading, const std::vector<std::string>& failures);

}  // namespace imchat::bench
