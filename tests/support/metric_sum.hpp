#pragma once

#include <string>

#include "support/http_client.hpp"

namespace flagmeter::test {

/// The sum of the samples of `series` on the /metrics of the process at
/// `port`: every label set of a name (`flagmeter_events_accepted_total`), or
/// those that start with the labels given (`flagmeter_valkey_redirects_total{kind="moved"`).
/// -1 when /metrics cannot be read.
inline double MetricSum(int port, const std::string& series) {
  const HttpResult metrics = HttpClient(port).Get("/metrics");
  if (metrics.status != 200) return -1;
  double sum = 0;
  const std::string start = "\n" + series;
  for (std::size_t at = metrics.body.find(start); at != std::string::npos; at = metrics.body.find(start, at + 1)) {
    const std::size_t line_end = metrics.body.find('\n', at + 1);
    const std::string line = metrics.body.substr(at + 1, line_end == std::string::npos ? std::string::npos : line_end - at - 1);
    const std::size_t space = line.rfind(' ');
    const char next = line.size() > series.size() ? line[series.size()] : ' ';
    // The whole name, not a longer one that starts with it.
    if (space == std::string::npos || (series.back() != '"' && next != ' ' && next != '{' && next != ',')) continue;
    sum += std::stod(line.substr(space + 1));
  }
  return sum;
}

}  // namespace flagmeter::test
