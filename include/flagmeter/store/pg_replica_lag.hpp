#pragma once

#include <memory>
#include <string>

#include "flagmeter/core/status.hpp"
#include "flagmeter/store/read_route.hpp"
#include "flagmeter/store/replica_lag_estimator.hpp"

namespace flagmeter {

class PgConnection;

/// Checks a PostgreSQL hot standby: whether it is in recovery and how far its
/// replay lags (ReplicaLagEstimator), with one short statement on a
/// connection of its own (connect timeout 2 s, statement timeout 1 s, unless
/// the URL sets its own). Owned by one thread: the background monitor's.
class PgReplicaLag final {
 public:
  /// Does not connect; the first Measure() does.
  explicit PgReplicaLag(std::string standby_url);
  ~PgReplicaLag();
  PgReplicaLag(const PgReplicaLag&) = delete;
  PgReplicaLag& operator=(const PgReplicaLag&) = delete;

  /// Blocking. Unavailable when the standby cannot be reached.
  Result<ReplicaSample> Measure();

 private:
  std::unique_ptr<PgConnection> connection_;
  ReplicaLagEstimator estimator_;
};

}  // namespace flagmeter
