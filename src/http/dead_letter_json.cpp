#include "http/dead_letter_json.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "flagmeter/core/rfc3339.hpp"
#include "http/query_params.hpp"

namespace flagmeter {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kSelectionFields[] = {"ids", "count", "all", "reason"};

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

void ReadListParam(std::string_view name, std::string_view value, DeadLetterListQuery& query,
                   std::vector<FieldError>& errors) {
  const std::optional<std::uint64_t> number = ParseUnsigned(value);
  if (name == "limit") {
    if (!number || *number < 1 || *number > DeadLetterListQuery::kMaxLimit) {
      errors.push_back({"limit", "limit must be an integer from 1 to 500"});
    } else {
      query.limit = static_cast<std::size_t>(*number);
    }
  } else if (name == "cursor") {
    if (!number) errors.push_back({"cursor", "cursor must be the nextCursor of a previous page"});
    else query.after_id = *number;
  }
}

void ReadIds(const json& value, DeadLetterSelection& selection, std::vector<FieldError>& errors) {
  if (!value.is_array() || value.empty() || value.size() > DeadLetterSelection::kMaxIds) {
    errors.push_back({"ids", "ids must be an array of 1 to 500 dead-letter ids"});
    return;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_number_unsigned() || value[i].get<std::uint64_t>() == 0) {
      errors.push_back({"ids[" + std::to_string(i) + "]", "each id must be a positive integer"});
      return;
    }
    selection.ids.push_back(value[i].get<std::uint64_t>());
  }
}

void ReadSelectionField(const std::string& name, const json& value, DeadLetterSelection& selection,
                        std::vector<FieldError>& errors) {
  if (name == "ids") {
    ReadIds(value, selection, errors);
  } else if (name == "count") {
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 ||
        value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      errors.push_back({"count", "count must be a positive integer"});
    } else {
      selection.count = value.get<std::int64_t>();
    }
  } else if (name == "all") {
    if (value != json(true)) errors.push_back({"all", "all must be true"});
    else selection.all = true;
  } else if (name == "reason") {
    std::optional<DeadLetterReason> reason;
    if (value.is_string()) reason = ParseDeadLetterReasonLabel(value.get_ref<const std::string&>());
    if (!reason) errors.push_back({"reason", "reason must be \"undecodable\" or \"refused\""});
    else selection.reason = reason;
  } else {
    errors.push_back({name, "unknown field: the body takes ids, count, all and reason"});
  }
}

ordered_json EntryObject(const DeadLetterEntry& entry) {
  ordered_json object{{"id", entry.id}, {"reason", DeadLetterReasonLabel(entry.reason)}};
  object["detail"] = entry.detail.empty() ? ordered_json(nullptr) : ordered_json(entry.detail);
  object["deadLetteredAt"] = entry.at_ms ? ordered_json(FormatRfc3339(*entry.at_ms)) : ordered_json(nullptr);
  if (entry.event) {
    object["eventId"] = entry.event->id;
    object["tenant"] = entry.event->tenant;
    object["feature"] = entry.event->feature;
    object["tokens"] = entry.event->tokens;
    object["timestamp"] = FormatRfc3339(entry.event->occurred_at_ms);
  } else {
    object["raw"] = entry.queue_text;
  }
  return object;
}

std::string Dump(const ordered_json& body) { return body.dump(-1, ' ', false, ordered_json::error_handler_t::replace); }

}  // namespace

std::variant<DeadLetterListQuery, std::vector<FieldError>> ParseDeadLetterListQuery(std::string_view query) {
  DeadLetterListQuery parsed;
  std::vector<FieldError> errors;
  for (const auto& [name, value] : DecodeQueryParams(query, {"limit", "cursor"}, errors)) {
    ReadListParam(name, value, parsed, errors);
  }
  if (!errors.empty()) return errors;
  return parsed;
}

std::variant<DeadLetterSelection, std::vector<FieldError>> ParseDeadLetterSelection(std::string_view body) {
  const json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return std::vector<FieldError>{{"", "the body must be valid JSON (UTF-8)"}};
  if (!document.is_object()) {
    return std::vector<FieldError>{{"", "the body must be a JSON object with one of ids, count or all"}};
  }
  DeadLetterSelection selection;
  std::vector<FieldError> errors;
  for (std::string_view field : kSelectionFields) {
    if (auto it = document.find(std::string(field)); it != document.end()) {
      ReadSelectionField(std::string(field), *it, selection, errors);
    }
  }
  for (const auto& [name, value] : document.items()) {
    if (std::find(std::begin(kSelectionFields), std::end(kSelectionFields), name) == std::end(kSelectionFields)) {
      ReadSelectionField(name, value, selection, errors);
    }
  }
  if (!errors.empty()) return errors;
  const int chosen = (!selection.ids.empty() ? 1 : 0) + (selection.count ? 1 : 0) + (selection.all ? 1 : 0);
  if (chosen != 1) return std::vector<FieldError>{{"", "name the records with exactly one of ids, count or all"}};
  if (selection.reason && !selection.ids.empty()) {
    return std::vector<FieldError>{{"reason", "reason goes with count or all, not with ids"}};
  }
  return selection;
}

std::string DeadLetterPageJson(const DeadLetterPage& page) {
  ordered_json entries = ordered_json::array();
  for (const DeadLetterEntry& entry : page.entries) entries.push_back(EntryObject(entry));
  ordered_json body{{"deadLetters", std::move(entries)}, {"total", page.total}};
  body["nextCursor"] = page.more && !page.entries.empty() ? ordered_json(std::to_string(page.entries.back().id))
                                                          : ordered_json(nullptr);
  return Dump(body);
}

std::string DeadLetterMoveJson(DeadLetterAction action, const DeadLetterMoveReport& report) {
  ordered_json body;
  if (action == DeadLetterAction::kRedrive) body["redriven"] = report.moved;
  else body["discarded"] = report.moved;
  body["notFound"] = report.not_found;
  if (action == DeadLetterAction::kRedrive) body["queueFull"] = report.queue_full;
  body["remaining"] = report.remaining;
  return Dump(body);
}

}  // namespace flagmeter
