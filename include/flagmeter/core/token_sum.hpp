#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flagmeter {

/// A sum of tokens: a rollup bucket, a feature's or a tenant's period total,
/// the dashboard's totals. One event carries at most 2^53-1 tokens (API.md),
/// so 1,024 of them already pass 2^63; 128 bits hold the sum of 2^74 events
/// at the maximum. PostgreSQL keeps the rollups as `numeric` (no bound at
/// all); ParseTokenSum refuses a stored sum beyond kMaxTokenSum instead of
/// wrapping. Sums are never negative.
__extension__ using TokenSum = __int128;

/// 2^127 - 1.
inline constexpr TokenSum kMaxTokenSum = (static_cast<TokenSum>(INT64_MAX) << 64) | UINT64_MAX;

/// Appends `value` in decimal ("-" first when negative). The text is also the
/// value's exact JSON number: write it bare, never through a double.
void AppendTokenSum(TokenSum value, std::string& out);

/// `value` in decimal.
std::string TokenSumText(TokenSum value);

/// The value of an optionally signed run of decimal digits (PostgreSQL's
/// text form of an integral numeric, e.g. "10808639105689189200"), or
/// nothing when the text is not that or lies outside +-kMaxTokenSum.
std::optional<TokenSum> ParseTokenSum(std::string_view text);

/// `round(100 * total / quota)` (halves away from zero; 0 when the quota is
/// 0 or less) in decimal, exact for every total: it may exceed even 128 bits
/// (a quota of 1 with a total near 2^127), so the digits are made directly.
std::string QuotaPercentText(TokenSum total, std::int64_t quota);

/// The whole percentage `100 * total / quota` reached, rounded down, in
/// decimal; "0" when the quota is 0 or less.
std::string PercentFloorText(TokenSum total, std::int64_t quota);

}  // namespace flagmeter
