#include "report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <fstream>

namespace imchat::bench {

std::string Table::Markdown() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) s += " " + c + " |";
    return s + "\n";
  };
  std::string out = line(header_);
  out += "|";
  for (size_t i = 0; i < header_.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& r : rows_) out += line(r);
  return out;
}

std::string Format(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

std::string Number(double value) {
  if (std::fabs(value) < 100) return Format("%.2f", value);
  std::string digits = Format("%.0f", value);
  std::string out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++n) {
    if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
  }
  return out;
}

std::string MachineDescription() {
  std::string model = "unknown CPU";
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  long mem_kib = 0;
  std::ifstream mem("/proc/meminfo");
  while (std::getline(mem, line)) {
    if (line.rfind("MemTotal:", 0) == 0) mem_kib = std::atol(line.c_str() + 9);
  }
  utsname u{};
  uname(&u);
  std::string mosquitto = "mosquitto ?";
  if (FILE* p = popen("mosquitto -h 2>&1 | head -1", "r")) {
    char buf[256] = {0};
    if (std::fgets(buf, sizeof buf, p)) mosquitto = buf;
    pclose(p);
    while (!mosquitto.empty() && (mosquitto.back() == '\n' || mosquitto.back() == '\r')) {
      mosquitto.pop_back();
    }
  }
  return Format("%s, %ld cores, %.1f GiB RAM, Linux %s, %s", model.c_str(),
                sysconf(_SC_NPROCESSORS_ONLN), static_cast<double>(mem_kib) / 1048576.0, u.release,
                mosquitto.c_str());
}

void Progress(const std::string& line) { std::fprintf(stderr, "bench: %s\n", line.c_str()); }

std::string FailuresSection(const std::string& heading, const std::vector<std::string>& failures) {
  if (failures.empty()) return "";
  std::string out = "\n" + heading + " (left out of the medians):\n\n";
  for (const auto& f : failures) out += "- " + f + "\n";
  return out;
}

}  // namespace imchat::bench
