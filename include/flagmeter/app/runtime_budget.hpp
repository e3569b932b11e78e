#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flagmeter/config/config.hpp"

namespace flagmeter {

/// One group of long-lived threads the service starts: who owns it, how
/// many threads it runs and the connections they hold between them.
struct ThreadBudgetRow {
  std::string_view group;    // "io", or the ThreadGroupName of a supervised group
  std::string_view owner;    // the class whose Start/Stop makes and joins them
  std::string_view purpose;
  std::string_view setting;  // the variable that sizes it; "" when fixed
  int threads = 0;
  int postgres = 0;  // connections
  int valkey = 0;    // connections
};

/// Every thread group and connection of RunService under `config`, in the
/// order they are listed at start-up and in docs/architecture.md. Besides
/// these, the main thread waits for a signal, start-up runs the migrations
/// on one short-lived connection, and webhook DNS look-ups run on short-lived
/// threads (at most 32 abandoned ones; see BoundedResolver).
std::vector<ThreadBudgetRow> RuntimeBudget(const Config& config);

/// The sums of `rows` (group, owner, purpose and setting empty).
ThreadBudgetRow RuntimeBudgetTotal(const std::vector<ThreadBudgetRow>& rows);

/// One log line: "19 threads, 14 PostgreSQL and 7 Valkey connections: io 2, pusher 1 (1 Valkey), ...".
std::string RuntimeBudgetLine(const std::vector<ThreadBudgetRow>& rows);

/// The markdown table of docs/architecture.md ("| group | owner | ... |").
std::string RuntimeBudgetTable(const std::vector<ThreadBudgetRow>& rows);

}  // namespace flagmeter
