// Three flagmeter processes behind nginx on one Valkey Cluster and one
// PostgreSQL database, one of them SIGKILLed and restarted under load: leases,
// reaping and the acceptance order need nothing but the cluster, and every
// 201 is counted exactly once (support/balanced_instances.hpp has the run).
#include <gtest/gtest.h>

#include "cluster_stack.hpp"
#include "support/balanced_instances.hpp"

namespace flagmeter::test {
namespace {

TEST(ClusterBalancedInstances, OneOfThreeKilledUnderLoadBehindNginxCountsEveryEventOnce) {
  ClusterStack stack;
  ASSERT_NO_FATAL_FAILURE(stack.Start());
  ASSERT_NO_FATAL_FAILURE(
      RunBalancedInstances(stack.Environment(), [&](std::vector<int> ports) { return stack.Probe(std::move(ports)); }));
}

}  // namespace
}  // namespace flagmeter::test
