#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/ingest/event_parser.hpp"
#include "flagmeter/monitor/health_snapshot.hpp"
#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter {

/// The JSON bodies of the API's answers (see API.md), with no I/O.

/// {"error": message}. Always valid JSON: bytes of `message` that are not
/// UTF-8 (a raw path byte the client sent) are written as U+FFFD.
std::string ErrorJson(std::string_view message);

/// {"error": "Invalid request body", "details": [{"path", "message"}...]},
/// as lenient with invalid UTF-8 as ErrorJson.
std::string ValidationErrorJson(const std::vector<FieldError>& details);

/// The 404 sentence for a request no route matches (the target cut at 200 bytes).
std::string NoRouteMessage(std::string_view method, std::string_view target);

/// The 405 sentence for a route that exists with other methods.
std::string MethodNotAllowedMessage(std::string_view method, std::string_view allow);

/// 201 body: {"success":true,"eventId":...} for one event, or
/// {"success":true,"eventIds":[...],"count":N} for a batch.
std::string AcceptedJson(const ParsedEvents& accepted);

/// 200 body of GET /api/usage/:tenant. totalTokens, tokens and quotaPercent
/// are exact integers of any size (core/token_sum.hpp).
std::string UsageJson(const TenantUsage& usage);

/// healthy: PostgreSQL and Valkey up, every thread group at full strength;
/// degraded: both up, a group short of threads (200: still serving);
/// unhealthy: one of them down (503).
enum class HealthState { kHealthy, kDegraded, kUnhealthy };
HealthState HealthStateOf(const HealthSnapshot& health);

/// Body of GET /api/health.
std::string HealthJson(const HealthSnapshot& health, std::int64_t now_ms);

}  // namespace flagmeter
