#include "store/pg_token_sum.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace flagmeter {

TokenSum TokenSumField(const pqxx::field& field) {
  if (field.is_null()) return 0;
  const std::string_view text(field.c_str(), field.size());
  const std::optional<TokenSum> value = ParseTokenSum(text);
  if (!value) {
    throw std::range_error("column '" + std::string(field.name()) + "': the token sum " +
                           std::string(text.substr(0, 60)) + " is not an integer within +-(2^127-1)");
  }
  return *value;
}

}  // namespace flagmeter
