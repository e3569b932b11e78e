#pragma once

#include <vector>

#include "flagmeter/core/thread_health.hpp"

namespace flagmeter {

/// The latest view of the dependencies and the thread groups, for
/// /api/health: made by the BackgroundMonitor, read by the HTTP layer.
struct HealthSnapshot {
  bool database_up = false;
  bool valkey_up = false;
  std::vector<ThreadHealth::Group> threads;  // the groups that started threads
};

}  // namespace flagmeter
