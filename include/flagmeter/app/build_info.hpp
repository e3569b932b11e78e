#pragma once

namespace flagmeter {

/// The project version (CMakeLists.txt's `project(... VERSION ...)`).
const char* BuildVersion();

/// The git commit the binary was built from (12 hex digits, "-modified" when
/// tracked files differed from it), FLAGMETER_COMMIT when built outside a git
/// checkout, else "unknown". See cmake/BuildInfo.cmake.
const char* BuildCommit();

}  // namespace flagmeter
