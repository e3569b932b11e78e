#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "flagmeter/core/valkey_cluster_counters.hpp"
#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {
namespace {

double Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return -1;
}

TEST(ValkeyClusterMetrics, EveryKindIsExportedAndFollowsTheProcessCounters) {
  Metrics metrics;
  const std::string before = metrics.Serialize();
  EXPECT_NE(before.find("# TYPE flagmeter_valkey_redirects_total counter"), std::string::npos) << before;
  EXPECT_NE(before.find("# TYPE flagmeter_valkey_slot_map_refreshes_total counter"), std::string::npos);
  for (const char* kind : {"moved", "ask", "tryagain", "clusterdown"}) {
    EXPECT_GE(Sample(before, std::string("flagmeter_valkey_redirects_total{kind=\"") + kind + "\"}"), 0) << kind;
  }
  const double moved = Sample(before, "flagmeter_valkey_redirects_total{kind=\"moved\"}");
  const double ask = Sample(before, "flagmeter_valkey_redirects_total{kind=\"ask\"}");
  const double refreshes = Sample(before, "flagmeter_valkey_slot_map_refreshes_total");

  ValkeyClusterCounters::Get().CountMoved();
  ValkeyClusterCounters::Get().CountMoved();
  ValkeyClusterCounters::Get().CountSlotMapRefresh();
  const std::string after = metrics.Serialize();
  EXPECT_EQ(Sample(after, "flagmeter_valkey_redirects_total{kind=\"moved\"}"), moved + 2);
  EXPECT_EQ(Sample(after, "flagmeter_valkey_redirects_total{kind=\"ask\"}"), ask);
  EXPECT_EQ(Sample(after, "flagmeter_valkey_slot_map_refreshes_total"), refreshes + 1);
}

}  // namespace
}  // namespace flagmeter
