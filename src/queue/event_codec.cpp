#include "flagmeter/queue/event_codec.hpp"

#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "flagmeter/core/event_json.hpp"

namespace flagmeter {
namespace {

using Json = nlohmann::json;

constexpr std::int64_t kMaxTokens = 9'007'199'254'740'991;  // 2^53 - 1

Status FieldStatus(const char* field, const char* meaning, const char* rule) {
  return Status::InvalidArgument(std::string("queued event: field \"") + field + "\" (" + meaning + ") " +
                                 rule);
}

Status ReadString(Json& object, const char* field, const char* meaning, std::string& out) {
  const auto it = object.find(field);
  if (it == object.end()) return FieldStatus(field, meaning, "is missing");
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return FieldStatus(field, meaning, "must be a non-empty string");
  }
  out = std::move(it->get_ref<std::string&>());
  return Status::Ok();
}

Status ReadInteger(const Json& object, const char* field, const char* meaning, std::int64_t& out) {
  const auto it = object.find(field);
  if (it == object.end()) return FieldStatus(field, meaning, "is missing");
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    out = it->get<std::int64_t>();
    return Status::Ok();
  }
  // Unsigned values above INT64_MAX would wrap; no timestamp or token count gets there.
  if (it->is_number_unsigned() && it->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(it->get<std::uint64_t>());
    return Status::Ok();
  }
  return FieldStatus(field, meaning, "must be a 64-bit integer");
}

Status ReadFields(Json& object, Event& event) {
  Status status = ReadString(object, "i", "id", event.id);
  if (status.ok()) status = ReadString(object, "t", "tenant", event.tenant);
  if (status.ok()) status = ReadString(object, "f", "feature", event.feature);
  if (status.ok()) status = ReadInteger(object, "n", "tokens", event.tokens);
  if (status.ok() && (event.tokens < 1 || event.tokens > kMaxTokens)) {
    status = FieldStatus("n", "tokens", "must be from 1 to 9007199254740991");
  }
  if (status.ok()) status = ReadInteger(object, "o", "occurred_at_ms", event.occurred_at_ms);
  if (status.ok()) status = ReadInteger(object, "r", "received_at_ms", event.received_at_ms);
  // "s" is stamped by the queue's push script, so events encoded before it
  // was pushed (and only those) lack it.
  if (status.ok() && object.contains("s")) status = ReadInteger(object, "s", "accept_seq", event.accept_seq);
  return status;
}

}  // namespace

std::string EncodeEvent(const Event& event) {
  std::string out;
  // Fixed punctuation and three numbers take under 100 bytes.
  out.reserve(event.id.size() + event.tenant.size() + event.feature.size() + 100);
  AppendEventJson(event, /*with_accept_seq=*/false, out);
  return out;
}

Result<Event> DecodeEvent(std::string_view encoded) {
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
