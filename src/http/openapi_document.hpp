#pragma once

#include <string_view>

namespace flagmeter {

/// The OpenAPI document of the HTTP API: docs/openapi.yaml as compact JSON,
/// converted and compiled in at build time by cmake/EmbedOpenApi.cmake.
/// Served at GET /api/openapi.json. Thread-safe.
std::string_view OpenApiJson();

}  // namespace flagmeter
