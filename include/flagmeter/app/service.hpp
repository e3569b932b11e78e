#pragma once

#include "flagmeter/config/config.hpp"

namespace flagmeter {

/// Runs the whole service until SIGINT or SIGTERM: applies migrations, starts
/// the pusher, the workers, the lease reaper, the usage readers, the monitor
/// and the HTTP server, then shuts them down in order (stop accepting, finish requests,
/// let workers commit or hand back their batches). Returns the process exit
/// code: 0 after a clean shutdown, 1 when start-up failed.
int RunService(const Config& config);

}  // namespace flagmeter
