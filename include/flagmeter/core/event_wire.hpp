#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace flagmeter::event_wire {

/// The event's wire format, and its one owner: a compact JSON object per
/// event with one-letter keys,
///   {"i":id,"t":tenant,"f":feature,"n":tokens,"o":occurred ms,"r":received ms,"s":accept seq}
/// - written by AppendEventJson (core/event_json.cpp), for the queue and for
///   the store's batch parameter;
/// - stamped with "s" by the queue's push script (queue/lua_scripts.cpp),
///   which prepends kLuaStampFormat to each object;
/// - read back by DecodeEvent (queue/event_codec.cpp);
/// - read as a record set of kSqlColumns by the commit SQL
///   (store/pg_event_store.cpp).
/// The script and the SQL are checked against this header at compile time.
struct Field {
  std::string_view key;       // the JSON key
  std::string_view name;      // what it holds, named in decoding errors
  std::string_view sql_type;  // its column type in the commit SQL's record set
};

// The id and the feature are read bytewise, as their key columns compare
// (migrations/0011): the commit sorts the batch by them, and a linguistic
// locale would make each comparison a strcoll.
inline constexpr Field kId{"i", "id", "text COLLATE \"C\""};
inline constexpr Field kTenant{"t", "tenant", "text"};
inline constexpr Field kFeature{"f", "feature", "text COLLATE \"C\""};
inline constexpr Field kTokens{"n", "tokens", "bigint"};
inline constexpr Field kOccurredAt{"o", "occurred_at_ms", "bigint"};
inline constexpr Field kReceivedAt{"r", "received_at_ms", "bigint"};
inline constexpr Field kAcceptSeq{"s", "accept_seq", "bigint"};

/// Every field, in the order they are written and read.
inline constexpr std::array<Field, 7> kFields = {kId, kTenant, kFeature, kTokens, kOccurredAt, kReceivedAt,
                                                 kAcceptSeq};

/// What the push script writes in place of an object's opening brace:
/// Lua's string.format pattern for `{"s":<accept seq>,`.
inline constexpr std::string_view kLuaStampFormat = R"({"s":%d,)";

/// The column list of json_to_recordset(...) AS (...) in the commit SQL.
inline constexpr std::string_view kSqlColumns =
    R"(i text COLLATE "C", t text, f text COLLATE "C", n bigint, o bigint, r bigint, s bigint)";

namespace detail {

// True when `columns` is "key type, key type, ..." of kFields, in order.
constexpr bool ColumnsMatchFields(std::string_view columns) {
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    const Field& field = kFields[i];
    if (i > 0) {
      if (!columns.starts_with(", ")) return false;
      columns.remove_prefix(2);
    }
    if (!columns.starts_with(field.key)) return false;
    columns.remove_prefix(field.key.size());
    if (!columns.starts_with(" ")) return false;
    columns.remove_prefix(1);
    if (!columns.starts_with(field.sql_type)) return false;
    columns.remove_prefix(field.sql_type.size());
  }
  return columns.empty();
}

// True when `format` is `{"<key of kAcceptSeq>":%d,`.
constexpr bool IsStampFormat(std::string_view format) {
  if (!format.starts_with("{\"")) return false;
  format.remove_prefix(2);
  if (!format.starts_with(kAcceptSeq.key)) return false;
  format.remove_prefix(kAcceptSeq.key.size());
  return format == "\":%d,";
}

}  // namespace detail

static_assert(detail::ColumnsMatchFields(kSqlColumns), "kSqlColumns must list kFields in order");
static_assert(detail::IsStampFormat(kLuaStampFormat), "kLuaStampFormat must stamp kAcceptSeq");

}  // namespace flagmeter::event_wire
