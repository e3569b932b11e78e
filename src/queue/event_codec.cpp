#include "flagmeter/queue/event_codec.hpp"

#include <cstdint>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "flagmeter/core/event_json.hpp"
#include "flagmeter/core/event_wire.hpp"
#include "queue/queued_event_fast_path.hpp"

namespace flagmeter {
namespace {

using Json = nlohmann::json;

using event_wire::Field;

Status FieldStatus(const Field& field, std::string_view rule) {
  return Status::InvalidArgument("queued event: field \"" + std::string(field.key) + "\" (" + std::string(field.name) +
                                 ") " + std::string(rule));
}

Status ReadString(Json& object, const Field& field, std::string& out) {
  const auto it = object.find(field.key);
  if (it == object.end()) return FieldStatus(field, "is missing");
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return FieldStatus(field, "must be a non-empty string");
  }
  out = std::move(it->get_ref<std::string&>());
  return Status::Ok();
}

Status ReadInteger(const Json& object, const Field& field, std::int64_t& out) {
  const auto it = object.find(field.key);
  if (it == object.end()) return FieldStatus(field, "is missing");
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    out = it->get<std::int64_t>();
    return Status::Ok();
  }
  // Unsigned values above INT64_MAX would wrap; no timestamp or token count gets there.
  if (it->is_number_unsigned() && it->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(it->get<std::uint64_t>());
    return Status::Ok();
  }
  return FieldStatus(field, "must be a 64-bit integer");
}

Status ReadFields(Json& object, Event& event) {
  namespace wire = event_wire;
  Status status = ReadString(object, wire::kId, event.id);
  if (status.ok()) status = ReadString(object, wire::kTenant, event.tenant);
  if (status.ok()) status = ReadString(object, wire::kFeature, event.feature);
  if (status.ok()) status = ReadInteger(object, wire::kTokens, event.tokens);
  if (status.ok() && (event.tokens < 1 || event.tokens > kMaxEventTokens)) {
    status = FieldStatus(wire::kTokens, "must be from 1 to 9007199254740991");
  }
  if (status.ok()) status = ReadInteger(object, wire::kOccurredAt, event.occurred_at_ms);
  if (status.ok()) status = ReadInteger(object, wire::kReceivedAt, event.received_at_ms);
  // The accept sequence is stamped by the queue's push script, so events
  // encoded before they were pushed (and only those) lack it.
  if (status.ok() && object.contains(wire::kAcceptSeq.key)) {
    status = ReadInteger(object, wire::kAcceptSeq, event.accept_seq);
  }
  return status;
}

// The end of the JSON string starting at `text[from]` (its opening quote):
// the index of its closing quote, or npos. Sets `escaped` when it holds a
// backslash.
std::size_t EndOfJsonString(std::string_view text, std::size_t from, bool& escaped) {
  for (std::size_t i = from + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      escaped = true;
      ++i;
    } else if (text[i] == '"') {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string TenantOfEncodedEvent(std::string_view encoded) {
  // EncodeEvent writes {"i":"<id>","t":"<tenant>",... (event_wire.hpp).
  const std::string id_lead = std::string("{\"") + std::string(event_wire::kId.key) + "\":";
  const std::string tenant_lead = std::string(",\"") + std::string(event_wire::kTenant.key) + "\":";
  bool escaped = false;
  if (encoded.starts_with(id_lead) && encoded.size() > id_lead.size() && encoded[id_lead.size()] == '"') {
    const std::size_t id_end = EndOfJsonString(encoded, id_lead.size(), escaped);
    if (id_end != std::string_view::npos && encoded.substr(id_end + 1).starts_with(tenant_lead)) {
      const std::size_t open = id_end + 1 + tenant_lead.size();
      if (open < encoded.size() && encoded[open] == '"') {
        escaped = false;
        const std::size_t close = EndOfJsonString(encoded, open, escaped);
        if (close != std::string_view::npos && !escaped) return std::string(encoded.substr(open + 1, close - open - 1));
      }
    }
  }
  Result<Event> event = DecodeEvent(encoded);
  return event.ok() ? std::move(event->tenant) : std::string();
}

std::string EncodeEvent(const Event& event) {
  std::string out;
  // Fixed punctuation and three numbers take under 100 bytes.
  out.reserve(event.id.size() + event.tenant.size() + event.feature.size() + 100);
  AppendEventJson(event, /*with_accept_seq=*/false, out);
  return out;
}

Result<Event> DecodeEvent(std::string_view encoded) {
  if (std::optional<Event> event = DecodeQueuedEventFast(encoded)) return std::move(*event);
  return DecodeEventDocument(encoded);
}

Result<Event> DecodeEventDocument(std::string_view encoded) {
  Json json = Json::parse(encoded.begin(), encoded.end(), /*cb=*/nullptr,
                          /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Status::InvalidArgument("queued event: not valid JSON: " + std::string(encoded.substr(0, 200)));
  }
  if (!json.is_object()) {
    return Status::InvalidArgument("queued event: not a JSON object: " + std::string(encoded.substr(0, 200)));
  }
  Event event;
  try {
    if (Status status = ReadFields(json, event); !status.ok()) return status;
  } catch (const Json::exception& e) {
    // Unreachable: every access above checks the type first.
    return Status::InvalidArgument(std::string("queued event: ") + e.what());
  }
  return event;
}

}  // namespace flagmeter
