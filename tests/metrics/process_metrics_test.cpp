#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "flagmeter/metrics/metrics.hpp"

namespace flagmeter {
namespace {

// The value of the unlabelled sample `name`, or nullopt when it is absent.
std::optional<double> Sample(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::strtod(line.c_str() + name.size() + 1, nullptr);
  }
  return std::nullopt;
}

bool Declares(const std::string& text, const std::string& name, const std::string& type) {
  return text.find("\n# TYPE " + name + " " + type + "\n") != std::string::npos;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(ProcessMetrics, DeclaredWithPrometheusNamesAndTypes) {
  Metrics metrics;
  const std::string text = metrics.Serialize();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"process_cpu_seconds_total", "counter"},   {"process_resident_memory_bytes", "gauge"},
      {"process_virtual_memory_bytes", "gauge"}, {"process_open_fds", "gauge"},
      {"process_max_fds", "gauge"},              {"process_start_time_seconds", "gauge"},
  };
  for (const auto& [name, type] : expected) {
    EXPECT_TRUE(Declares(text, name, type)) << name << " " << type << " in:\n" << text;
  }
}

TEST(ProcessMetrics, ResidentMemoryIsPlausibleAndBelowVirtual) {
  Metrics metrics;
  const std::string text = metrics.Serialize();
  const auto resident = Sample(text, "process_resident_memory_bytes");
  const auto virtual_bytes = Sample(text, "process_virtual_memory_bytes");
  ASSERT_TRUE(resident.has_value()) << text;
  ASSERT_TRUE(virtual_bytes.has_value()) << text;
  EXPECT_GT(*resident, 1024.0 * 1024.0);  // a gtest binary is more than 1 MiB resident
  EXPECT_LT(*resident, *virtual_bytes);
}

double ProcessCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

TEST(ProcessMetrics, CpuSecondsFollowTheProcessCpuClock) {
  Metrics metrics;
  const auto before = Sample(metrics.Serialize(), "process_cpu_seconds_total");
  ASSERT_TRUE(before.has_value());
  // Burn 200 ms of CPU (however long that takes on a busy machine), well
  // above the kernel's 10 ms accounting tick.
  const double target = ProcessCpuSeconds() + 0.2;
  volatile double sink = 0;
  while (ProcessCpuSeconds() < target) {
    for (int i = 0; i < 10000; ++i) sink = sink + i * 0.5;
  }
  const auto after = Sample(metrics.Serialize(), "process_cpu_seconds_total");
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after - *before, 0.15);
  EXPECT_NEAR(*after, ProcessCpuSeconds(), 0.1);
}

TEST(ProcessMetrics, OpenFdsCountsExactlyTheDescriptorsOpened) {
  Metrics metrics;
  const auto before = Sample(metrics.Serialize(), "process_open_fds");
  ASSERT_TRUE(before.has_value());
  EXPECT_GE(*before, 3);  // stdin, stdout, stderr
  const int first = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int second = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  const auto during = Sample(metrics.Serialize(), "process_open_fds");
  ::close(first);
  ::close(second);
  const auto after = Sample(metrics.Serialize(), "process_open_fds");
  EXPECT_EQ(during, *before + 2);
  EXPECT_EQ(after, before);
  const auto max_fds = Sample(metrics.Serialize(), "process_max_fds");
  ASSERT_TRUE(max_fds.has_value());
  EXPECT_GT(*max_fds, *during);
}

TEST(ProcessMetrics, StartTimeIsThisProcessesAndFixed) {
  Metrics metrics;
  const auto start = Sample(metrics.Serialize(), "process_start_time_seconds");
  ASSERT_TRUE(start.has_value());
  // Started before now, and not long ago: a test binary runs for minutes at most.
  EXPECT_LE(*start, NowSeconds() + 1.0);
  EXPECT_GT(*start, NowSeconds() - 3600.0);
  EXPECT_EQ(Sample(metrics.Serialize(), "process_start_time_seconds"), start);
}

}  // namespace
}  // namespace flagmeter
