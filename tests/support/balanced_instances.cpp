#include "support/balanced_instances.hpp"

#include <signal.h>

#include <array>
#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/flagmeter_process.hpp"
#include "support/metric_sum.hpp"
#include "support/test_nginx.hpp"

namespace flagmeter::test {
namespace {

constexpr int kInstances = 3;
constexpr int kKills = 2;

std::string Tail(const std::string& text, std::size_t bytes) {
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace

void RunBalancedInstances(const std::map<std::string, std::string>& env,
                          const std::function<DrainProbe(std::vector<int> ports)>& probe) {
  std::array<std::unique_ptr<FlagmeterProcess>, kInstances> instances;
  std::vector<int> ports;
  std::string error;
  for (auto& instance : instances) {
    instance = std::make_unique<FlagmeterProcess>(env);
    ASSERT_TRUE(instance->Start(&error)) << error;
    ports.push_back(instance->port());
  }
  TestNginx balancer(ports);
  ASSERT_TRUE(balancer.Start().ok()) << balancer.ErrorLogTail();

  LoadDriver driver({.ports = {balancer.port()}, .tenant_prefix = "balanced", .peer = Peer::kOther});
  std::mt19937 random(static_cast<unsigned>(driver.seed()));
  std::cout << "load seed " << driver.seed() << "\n";
  driver.Start();
  FlagmeterProcess& victim = *instances[random() % kInstances];
  for (int kill = 1; kill <= kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + random() % 2000));
    ASSERT_EQ(victim.Stop(SIGKILL), 128 + SIGKILL);
    std::cout << "killed the instance on port " << victim.port() << " after " << driver.acknowledged_events()
              << " acknowledged events\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 700));
    ASSERT_TRUE(victim.Start(&error)) << "restart " << kill << ": " << error;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  driver.Stop();
  driver.Settle(std::chrono::seconds(30));

  auto counted = WaitForDrain(probe(ports), driver.tenants(), std::chrono::seconds(60));
  const LoadReport report = driver.Report();
  std::cout << report.Summary();
  const auto logs = [&] {
    std::string text = "nginx error log:\n" + balancer.ErrorLogTail();
    for (auto& instance : instances) text += "\ninstance " + std::to_string(instance->port()) + ":\n" + Tail(instance->Log(), 3000);
    return text;
  };
  ASSERT_TRUE(counted.ok()) << counted.status().ToString() << "\n" << report.Summary() << logs();
  std::cout << AccountingTable(report, *counted);
  EXPECT_EQ(CheckAccounting(report, *counted), "") << report.Summary() << logs();
  EXPECT_EQ(report.CountRange(400, 499), 0) << report.Summary();
  EXPECT_GT(driver.acknowledged_events(), 0);

  // nginx spread the load: every instance answered requests and committed
  // events, and each /metrics counts only its own process's work (the
  // restarted one started again from zero, so the three differ).
  double accepted_total = 0;
  for (auto& instance : instances) {
    const double accepted = MetricSum(instance->port(), "flagmeter_events_accepted_total");
    std::cout << "instance " << instance->port() << ": accepted " << accepted << ", persisted "
              << MetricSum(instance->port(), "flagmeter_events_persisted_total") << "\n";
    EXPECT_GT(accepted, 0) << "port " << instance->port();
    EXPECT_GT(MetricSum(instance->port(), "flagmeter_events_persisted_total"), 0) << "port " << instance->port();
    accepted_total += accepted;
  }
  // The restarted instance forgot what it accepted before its kills, so the
  // three counters together hold fewer than the clients' 201s.
  EXPECT_LT(accepted_total, static_cast<double>(driver.acknowledged_events())) << logs();
  for (auto& instance : instances) EXPECT_EQ(instance->Stop(SIGTERM), 0) << logs();
}

}  // namespace flagmeter::test
