#include "store/pg_errors.hpp"

#include <exception>
#include <string_view>

#include <pqxx/except>

namespace flagmeter {
namespace {

// Server messages span lines ("ERROR: ...\nDETAIL: ..."); logs want one.
std::string OneLine(std::string_view text) {
  std::string line;
  line.reserve(text.size());
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      if (!line.empty() && line.back() != ' ') line.push_back(' ');
    } else {
      line.push_back(c);
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

bool IsUnavailableState(const std::string& state) {
  return state.rfind("08", 0) == 0       // connection exception
         || state.rfind("53", 0) == 0    // insufficient resources (too many connections)
         || state == "57014"             // query canceled (statement timeout)
         || state == "57P01" || state == "57P02" || state == "57P03";  // shutting down, starting
}

PgFailure FromSqlError(const pqxx::sql_error& error, const std::string& prefix) {
  const std::string& state = error.sqlstate();
  const std::string message = prefix + OneLine(error.what()) + " (SQLSTATE " + state + ")";
  if (state == "40001" || state == "40P01") return {Status::Unavailable(message), true, false};
  if (state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0) {
    return {Status::InvalidArgument(message), false, false};
  }
  if (IsUnavailableState(state)) {
    const bool lost = state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0;
    return {Status::Unavailable(message), false, lost};
  }
  return {Status::Internal(message), false, false};
}

}  // namespace

PgFailure ClassifyCurrentException(const std::string& operation) {
  const std::string prefix = operation + ": ";
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return {Status::Unavailable(prefix + OneLine(e.what())), false, true};
  } catch (const pqxx::in_doubt_error& e) {
    return {Status::Unavailable(prefix + "connection lost during commit, outcome unknown: " +
                                OneLine(e.what())),
            false, true};
  } catch (const pqxx::serialization_failure& e) {
    return {Status::Unavailable(prefix + OneLine(e.what())), true, false};
  } catch (const pqxx::deadlock_detected& e) {
    return {Status::Unavailable(prefix + OneLine(e.what())), true, false};
  } catch (const pqxx::statement_completion_unknown& e) {
    return {Status::Unavailable(prefix + "statement outcome unknown: " + OneLine(e.what())),
            false, true};
  } catch (const pqxx::sql_error& e) {
    return FromSqlError(e, prefix);
  } catch (const std::exception& e) {
    return {Status::Internal(prefix + OneLine(e.what())), false, false};
  } catch (...) {
    return {Status::Internal(prefix + "unknown exception"), false, false};
  }
}

}  // namespace flagmeter
