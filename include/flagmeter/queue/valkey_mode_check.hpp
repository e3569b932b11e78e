#pragma once

#include "flagmeter/config/config.hpp"
#include "flagmeter/core/status.hpp"

namespace flagmeter {

/// Start-up check that VALKEY_URL's form matches the server: a
/// redis+cluster:// URL needs servers in cluster mode, a redis:// URL one that
/// is not (a cluster node would answer every multi-key script with CROSSSLOT
/// or MOVED). Asks `INFO cluster` (cluster_enabled) of the server, or of the
/// first seed that answers.
///
/// Ok when they match, and also when no server answers (the service starts,
/// reports Valkey down and reconnects, as without the check).
/// FailedPrecondition on a mismatch, naming VALKEY_URL, the server and what
/// to change (never the password). Blocking: up to the connect timeout per
/// server tried.
Status CheckValkeyMode(const ValkeyEndpoint& endpoint, int connect_timeout_ms);

}  // namespace flagmeter
