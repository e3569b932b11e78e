#pragma once

// The fault run of three flagmeter processes behind nginx, one of them
// SIGKILLed and restarted under load, on whichever queue the environment
// names (one Valkey, or a Valkey Cluster).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "support/load_driver.hpp"

namespace flagmeter::test {

/// Starts three flagmeter processes with `env` (which should set a short
/// QUEUE_LEASE_MS) behind a TestNginx, drives load through nginx, SIGKILLs
/// one instance twice and restarts it, then checks with gtest assertions
/// that every 201 is counted exactly once (drained as `probe` of the
/// instances' ports says) and that each instance's /metrics counts only its
/// own work. Call inside ASSERT_NO_FATAL_FAILURE.
void RunBalancedInstances(const std::map<std::string, std::string>& env,
                          const std::function<DrainProbe(std::vector<int> ports)>& probe);

}  // namespace flagmeter::test
