#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace flagmeter::test {

/// The repository root, whose infra/ and tests/ops/ the ops tests read:
/// $FLAGMETER_SOURCE_DIR when set, else three levels above this header
/// (CMake compiles with absolute source paths).
inline std::string SourceDir() {
  if (const char* configured = std::getenv("FLAGMETER_SOURCE_DIR"); configured && *configured) return configured;
  return std::filesystem::weakly_canonical(std::filesystem::path(__FILE__).parent_path() / "../../..").string();
}

/// `relative` (e.g. "infra/prometheus/alerts.yml") inside the repository.
inline std::string SourcePath(const std::string& relative) { return SourceDir() + "/" + relative; }

// Programs of the Debian packages prometheus, prometheus-postgres-exporter and
// prometheus-redis-exporter (scripts/lib/common.sh installs them).
inline constexpr char kPrometheusBinary[] = "/usr/bin/prometheus";
inline constexpr char kPromtoolBinary[] = "/usr/bin/promtool";
inline constexpr char kPostgresExporterBinary[] = "/usr/bin/prometheus-postgres-exporter";
inline constexpr char kRedisExporterBinary[] = "/usr/bin/prometheus-redis-exporter";

}  // namespace flagmeter::test
