#pragma once

#include <string>

namespace flagmeter {

/// Sets spdlog's default logger: one JSON object per line on stderr
/// ({"timestamp","level","message"}) for collectors, or plain text for
/// people (`format` "text"), at `level` (trace..error).
void ConfigureLogging(const std::string& level, const std::string& format);

}  // namespace flagmeter
