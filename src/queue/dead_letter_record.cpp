#include "flagmeter/queue/dead_letter_record.hpp"

#include <charconv>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "flagmeter/queue/event_codec.hpp"

namespace flagmeter {
namespace {

using nlohmann::json;

// A reason written as words by earlier versions ("undecodable: ...",
// "refused by the store: ..."): they only ever wrote those two kinds.
DeadLetterReason ReasonOfDetail(std::string_view detail) {
  return detail.starts_with("undecodable") ? DeadLetterReason::kUndecodable : DeadLetterReason::kRefused;
}

void ReadReason(const json& object, DeadLetterEntry& entry) {
  const auto reason = object.find("reason");
  if (reason == object.end() || !reason->is_string()) return;  // stays undecodable
  const std::string& text = reason->get_ref<const std::string&>();
  if (std::optional<DeadLetterReason> label = ParseDeadLetterReasonLabel(text)) {
    entry.reason = *label;
    const auto detail = object.find("detail");
    if (detail != object.end() && detail->is_string()) entry.detail = detail->get<std::string>();
  } else {
    entry.reason = ReasonOfDetail(text);
    entry.detail = text;
  }
}

}  // namespace

std::string_view DeadLetterReasonLabel(DeadLetterReason reason) {
  switch (reason) {
    case DeadLetterReason::kUndecodable: return "undecodable";
    case DeadLetterReason::kRefused: return "refused";
  }
  return "undecodable";
}

std::optional<DeadLetterReason> ParseDeadLetterReasonLabel(std::string_view label) {
  if (label == "undecodable") return DeadLetterReason::kUndecodable;
  if (label == "refused") return DeadLetterReason::kRefused;
  return std::nullopt;
}

std::string MakeDeadLetterRecord(std::string_view encoded_event, DeadLetterReason reason, std::string_view detail,
                                 std::int64_t at_ms) {
  nlohmann::ordered_json record;
  record["reason"] = DeadLetterReasonLabel(reason);
  record["at"] = at_ms;
  record["detail"] = detail;
  json event = json::parse(encoded_event, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded()) record["event"] = encoded_event;
  else record["event"] = std::move(event);
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

DeadLetterEntry ReadDeadLetterRecord(std::string record) {
  DeadLetterEntry entry;
  const json object = json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) {
    // The scripts may have put an id in front of a text that is not JSON
    // (bytes that are not UTF-8): the id still pages and finds it.
    constexpr std::string_view kIdPrefix = "{\"n\":";
    if (std::string_view(record).starts_with(kIdPrefix)) {
      const char* begin = record.data() + kIdPrefix.size();
      const auto [end, ec] = std::from_chars(begin, record.data() + record.size(), entry.id);
      if (ec != std::errc() || end == begin || *end != ',') {
        entry.id = 0;
      } else if (std::string_view(end + 1).starts_with("\"reason\":\"refused\"")) {
        entry.reason = DeadLetterReason::kRefused;  // as the scripts' reason_of reads it
      }
    }
    entry.detail = "not a dead-letter record";
    entry.queue_text = record;
    entry.record = std::move(record);
    return entry;
  }
  if (const auto id = object.find("n"); id != object.end() && id->is_number_unsigned()) {
    entry.id = id->get<std::uint64_t>();
  }
  ReadReason(object, entry);
  if (const auto at = object.find("at"); at != object.end() && at->is_number_integer()) {
    entry.at_ms = at->get<std::int64_t>();
  }
  if (const auto event = object.find("event"); event != object.end()) {
    entry.queue_text = event->is_string() ? event->get<std::string>() : event->dump();
  }
  if (Result<Event> decoded = DecodeEvent(entry.queue_text); decoded.ok()) {
    entry.event = std::move(decoded).value();
  }
  entry.record = std::move(record);
  return entry;
}

}  // namespace flagmeter
