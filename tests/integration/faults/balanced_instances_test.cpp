// Three flagmeter processes behind nginx, sharing one Valkey queue and one
// PostgreSQL database, one of them SIGKILLed and restarted under load: every
// event acknowledged with 201 is counted exactly once, with no coordination
// between the instances beyond Valkey, and each instance's /metrics speaks
// only for itself (support/balanced_instances.hpp has the run).
#include <gtest/gtest.h>

#include "fault_stack.hpp"
#include "support/balanced_instances.hpp"

namespace flagmeter::test {
namespace {

TEST(BalancedInstances, OneOfThreeKilledUnderLoadBehindNginxCountsEveryEventOnce) {
  FaultStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  // A short lease: the killed instance's batches come back within seconds.
  ASSERT_NO_FATAL_FAILURE(RunBalancedInstances(stack.Environment({{"QUEUE_LEASE_MS", "2000"}}), [&](std::vector<int> ports) {
    return DrainProbe{.ports = std::move(ports), .valkey = &stack.valkey};
  }));
}

}  // namespace
}  // namespace flagmeter::test
