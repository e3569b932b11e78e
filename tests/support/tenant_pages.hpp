#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

#include "support/http_client.hpp"

namespace flagmeter::test {

/// What walking a paged tenant list (GET /api/tenants, GET /api/dashboard)
/// from its first page to the one without nextCursor saw.
struct TenantPageWalk {
  std::vector<std::string> names;  // tenantName of every entry, in the order served
  int pages = 0;
  std::size_t largest_page = 0;
  std::string problem;  // empty: every page was a 200 with at most `limit` entries
};

/// Percent-encodes every byte but the unreserved ones, so an opaque cursor
/// goes into a query string unchanged.
inline std::string QueryEscape(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

/// Follows nextCursor from `path?limit=<limit>` with `get` until a page has
/// none (or `max_pages`, or a problem).
inline TenantPageWalk WalkTenantPages(const std::function<HttpResult(const std::string&)>& get,
                                      const std::string& path, int limit, int max_pages = 10000) {
  TenantPageWalk walk;
  std::set<std::string> cursors;
  std::string cursor;
  while (walk.pages < max_pages) {
    std::string target = path + "?limit=" + std::to_string(limit);
    if (!cursor.empty()) target += "&cursor=" + QueryEscape(cursor);
    const HttpResult answer = get(target);
    ++walk.pages;
    if (answer.status != 200) {
      walk.problem = target + " answered " + std::to_string(answer.status) + ": " + answer.body.substr(0, 300);
      return walk;
    }
    const nlohmann::json body = answer.Json();
    const nlohmann::json& tenants = body["tenants"];
    walk.largest_page = std::max(walk.largest_page, tenants.size());
    if (tenants.size() > static_cast<std::size_t>(limit)) {
      walk.problem = target + " has " + std::to_string(tenants.size()) + " tenants, more than limit " +
                     std::to_string(limit);
      return walk;
    }
    for (const nlohmann::json& tenant : tenants) walk.names.push_back(tenant.value("tenantName", ""));
    if (!body.contains("nextCursor") || body["nextCursor"].is_null()) return walk;
    cursor = body["nextCursor"].get<std::string>();
    if (!cursors.insert(cursor).second) {
      walk.problem = target + " repeats nextCursor " + cursor;
      return walk;
    }
  }
  walk.problem = "no last page within " + std::to_string(max_pages) + " pages";
  return walk;
}

/// A value in kB from /proc/<pid>/status ("VmHWM": peak resident memory,
/// "VmRSS": resident now); -1 when unreadable.
inline std::int64_t ProcessMemoryKb(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

/// `get(target)` and how long it took, in ms.
inline HttpResult TimedGet(const std::function<HttpResult(const std::string&)>& get, const std::string& target,
                           double& elapsed_ms) {
  const auto started = std::chrono::steady_clock::now();
  HttpResult answer = get(target);
  elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return answer;
}

/// SQL inserting `count` tenants named <prefix>000001.. (six digits), with
/// the defaults a first event gives; selects how many it made.
inline std::string InsertTenantsSql(int count, const std::string& prefix = "tenant-") {
  return "WITH made AS (INSERT INTO tenants (name) SELECT '" + prefix +
         "' || lpad(g::text, 6, '0') FROM generate_series(1, " + std::to_string(count) +
         ") AS g RETURNING 1) SELECT count(*) FROM made";
}

/// Names whose bytewise order differs from a locale's (upper case first,
/// UTF-8 last) and that need escaping in a path, for ordering tests.
inline const std::vector<std::string>& OddTenantNames() {
  static const std::vector<std::string> kNames = {"Zeta", "a b", "a/b", "z\xC3\xBCrich", "~tilde", "tenant-000001a"};
  return kNames;
}

/// SQL inserting OddTenantNames(); selects how many it made.
inline std::string InsertOddTenantsSql() {
  std::string values;
  for (const std::string& name : OddTenantNames()) values += std::string(values.empty() ? "" : ",") + "('" + name + "')";
  return "WITH made AS (INSERT INTO tenants (name) VALUES " + values + " RETURNING 1) SELECT count(*) FROM made";
}

}  // namespace flagmeter::test
