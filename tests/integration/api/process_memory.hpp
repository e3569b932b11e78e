#pragma once

#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace flagmeter::test {

/// The resident set of process `pid` in kB (VmRSS of /proc/<pid>/status), or
/// -1 when it cannot be read.
inline std::int64_t ResidentKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

/// How many series of metric `name` (sample lines "name{...} value") the
/// Prometheus text `exposition` holds.
inline int CountSeries(const std::string& exposition, const std::string& name) {
  std::istringstream lines(exposition);
  const std::string prefix = name + "{";
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) ++count;
  }
  return count;
}

}  // namespace flagmeter::test
