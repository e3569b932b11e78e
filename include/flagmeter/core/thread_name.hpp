#pragma once

#include <string>

namespace flagmeter {

/// Names the calling thread (at most 15 characters are kept), so that
/// `top -H`, `perf` and `gdb` show whose thread it is: fm-io-0, fm-pusher,
/// fm-worker-2 and so on.
void SetThreadName(const std::string& name);

}  // namespace flagmeter
