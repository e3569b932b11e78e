#pragma once

#include <pqxx/row>  // pqxx::field (6.4: <pqxx/field> alone does not compile)

#include "flagmeter/core/token_sum.hpp"

namespace flagmeter {

/// The value of a `numeric` sum of tokens (a rollup column or its sum) as
/// PostgreSQL writes it: an integer, exact, however large. NULL is 0. Throws
/// std::range_error, which RunWithRetries reports as Internal, for a value
/// that is not an integer or lies beyond 2^127-1 (the sum of 2^74 events of
/// the most tokens the API accepts).
TokenSum TokenSumField(const pqxx::field& field);

}  // namespace flagmeter
