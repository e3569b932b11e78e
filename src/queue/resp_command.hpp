#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flagmeter {

/// Appends `args` to `out` as one RESP2 command, the bytes hiredis's
/// redisFormatCommandArgv makes of it: "*<argc>\r\n", then "$<len>\r\n<bytes>\r\n"
/// per argument. Binary-safe (arguments may hold NUL, CR, LF) and empty
/// arguments are allowed. Keeps what `out` held and reallocates it at most
/// once. Thread-safe (pure).
void AppendRespCommand(const std::vector<std::string_view>& args, std::string& out);

}  // namespace flagmeter
