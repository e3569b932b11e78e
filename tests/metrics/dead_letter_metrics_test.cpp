// The dead-letter list's series: the gauge of records per reason and the
// counter of records dropped at DEAD_LETTER_MAX.
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <map>
#include <sstream>
#include <string>

#include "flagmeter/metrics/metrics.hpp"
#include "flagmeter/queue/dead_letter_record.hpp"

namespace flagmeter {
namespace {

// The samples of family `name`: labels text -> value.
std::map<std::string, double> Samples(const std::string& text, const std::string& name) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, name.size() + 1, name + "{") != 0) continue;
    const std::size_t space = line.rfind(' ');
    samples[line.substr(name.size(), space - name.size())] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return samples;
}

bool HasLine(const std::string& text, const std::string& wanted) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line == wanted) return true;
  }
  return false;
}

TEST(DeadLetterMetrics, EveryReasonIsExportedAtZeroWithItsType) {
  Metrics metrics;
  const std::string text = metrics.Serialize();
  const std::map<std::string, double> zeros = {{"{reason=\"refused\"}", 0}, {"{reason=\"undecodable\"}", 0}};
  EXPECT_TRUE(HasLine(text, "# TYPE flagmeter_events_dead_letters gauge")) << text;
  EXPECT_TRUE(HasLine(text, "# TYPE flagmeter_events_dead_letters_dropped_total counter")) << text;
  EXPECT_EQ(Samples(text, "flagmeter_events_dead_letters"), zeros);
  EXPECT_EQ(Samples(text, "flagmeter_events_dead_letters_dropped_total"), zeros);
}

TEST(DeadLetterMetrics, ReferencesFeedTheirReasonsSeries) {
  Metrics metrics;
  metrics.dead_letters(DeadLetterReason::kRefused).Set(12);
  metrics.dead_letters_dropped(DeadLetterReason::kUndecodable).Increment(3);
  const std::string text = metrics.Serialize();
  EXPECT_EQ(Samples(text, "flagmeter_events_dead_letters"),
            (std::map<std::string, double>{{"{reason=\"refused\"}", 12}, {"{reason=\"undecodable\"}", 0}}));
  EXPECT_EQ(Samples(text, "flagmeter_events_dead_letters_dropped_total"),
            (std::map<std::string, double>{{"{reason=\"refused\"}", 0}, {"{reason=\"undecodable\"}", 3}}));
}

// The records' reasons and the metrics' labels are one vocabulary.
TEST(DeadLetterMetrics, LabelsAreTheRecordsReasons) {
  Metrics metrics;
  const std::string text = metrics.Serialize();
  for (DeadLetterReason reason : {DeadLetterReason::kUndecodable, DeadLetterReason::kRefused}) {
    const std::string label = "{reason=\"" + std::string(DeadLetterReasonLabel(reason)) + "\"}";
    EXPECT_TRUE(Samples(text, "flagmeter_events_dead_lettered_total").contains(label)) << label;
  }
}

}  // namespace
}  // namespace flagmeter
