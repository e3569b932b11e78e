#include "flagmeter/ingest/event_parser.hpp"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "flagmeter/core/event.hpp"
#include "flagmeter/core/rfc3339.hpp"
#include "flagmeter/core/uuid.hpp"
#include "flagmeter/ingest/name_rules.hpp"
#include "ingest/single_event_fast_path.hpp"

namespace flagmeter {
namespace {

using Json = nlohmann::json;

constexpr auto kMaxTokens = static_cast<std::uint64_t>(kMaxEventTokens);
constexpr std::size_t kMaxParserDetailBytes = 160;
constexpr char kTokensRule[] = "tokens must be an integer from 1 to 9007199254740991";
constexpr char kTimestampRule[] = "timestamp must be an RFC 3339 date-time such as 2026-11-29T12:00:00Z";

// "5 minutes", "90 seconds" or "1500 ms": the future limit as people say it.
std::string DescribeDuration(std::int64_t ms) {
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + " minutes";
  if (ms % 1'000 == 0) return std::to_string(ms / 1'000) + " seconds";
  return std::to_string(ms) + " ms";
}

// "62 days" (or a duration as above when not whole days): the past limit.
std::string DescribeDays(std::int64_t ms) {
  if (ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + (ms == 86'400'000 ? " day" : " days");
  return DescribeDuration(ms);
}

// nlohmann's message without its "[json.exception.parse_error.101] " tag,
// cut short (on a UTF-8 boundary) because it may quote a long token back.
std::string ParserDetail(const char* what) {
  std::string_view detail(what);
  if (const std::size_t tag_end = detail.find("] "); tag_end != std::string_view::npos) {
    detail.remove_prefix(tag_end + 2);
  }
  if (detail.size() <= kMaxParserDetailBytes) return std::string(detail);
  std::size_t cut = kMaxParserDetailBytes;
  while (cut > 0 && (static_cast<unsigned char>(detail[cut]) & 0xC0) == 0x80) --cut;
  return std::string(detail.substr(0, cut)) + "...";
}

// Reads the fields of one event object into an Event, recording every
// problem under the event's path prefix ("" or "[3]").
class EventReader final {
 public:
  EventReader(const ParseOptions& options, std::vector<FieldError>& errors)
      : options_(options), errors_(errors) {}

  void Read(Json& object, const std::string& prefix, Event& event) {
    prefix_ = &prefix;
    ReadName(object, "tenant", /*required=*/true, event.tenant);
    ReadName(object, "feature", /*required=*/true, event.feature);
    ReadTokens(object, event.tokens);
    ReadName(object, "id", /*required=*/false, event.id);
    ReadTimestamp(object, event.occurred_at_ms);
    event.received_at_ms = options_.now_ms;
    if (event.id.empty() && errors_.empty()) event.id = NewUuidV7(options_.now_ms);
  }

 private:
  void Fail(const char* field, std::string message) {
    std::string path = prefix_->empty() ? std::string(field) : *prefix_ + "." + field;
    errors_.push_back(FieldError{std::move(path), std::move(message)});
  }

  static Json* Find(Json& object, const char* field) {
    const auto it = object.find(field);
    return it == object.end() ? nullptr : &*it;
  }

  void ReadName(Json& object, const char* field, bool required, std::string& out) {
    Json* value = Find(object, field);
    if (value == nullptr) {
      if (required) Fail(field, std::string(field) + " is required");
      return;
    }
    if (!value->is_string()) {
      Fail(field, std::string(field) + " must be a string");
      return;
    }
    std::string& text = value->get_ref<std::string&>();
    if (std::optional<std::string> problem = NameProblem(text)) {
      Fail(field, std::string(field) + " " + *problem);
      return;
    }
    out = std::move(text);
  }

  void ReadTokens(Json& object, std::int64_t& out) {
    const Json* value = Find(object, "tokens");
    if (value == nullptr) {
      Fail("tokens", "tokens is required");
      return;
    }
    // Positive integer literals parse as number_unsigned; negative ones as
    // number_integer, and anything with a fraction or exponent as
    // number_float, so only the unsigned kind can be valid.
    if (!value->is_number_unsigned()) {
      Fail("tokens", kTokensRule);
      return;
    }
    const auto tokens = value->get<std::uint64_t>();
    if (tokens < 1 || tokens > kMaxTokens) {
      Fail("tokens", kTokensRule);
      return;
    }
    out = static_cast<std::int64_t>(tokens);
  }

  void ReadTimestamp(const Json& object, std::int64_t& out) {
    out = options_.now_ms;
    const auto it = object.find("timestamp");
    if (it == object.end()) return;
    if (!it->is_string()) {
      Fail("timestamp", kTimestampRule);
      return;
    }
    const std::optional<std::int64_t> ms = ParseRfc3339Ms(it->get_ref<const std::string&>());
    if (!ms) {
      Fail("timestamp", kTimestampRule);
      return;
    }
    if (*ms > options_.now_ms + options_.max_future_ms) {
      Fail("timestamp", "timestamp must not be more than " + DescribeDuration(options_.max_future_ms) +
                            " ahead of the server's clock (" + FormatRfc3339(options_.now_ms) +
                            "); send the time the usage happened");
      return;
    }
    if (*ms < options_.now_ms - options_.max_past_ms) {
      Fail("timestamp", "timestamp must not be more than " + DescribeDays(options_.max_past_ms) +
                            " before the server's clock (" + FormatRfc3339(options_.now_ms) +
                            "): that is the idempotency window (IDEMPOTENCY_WINDOW_DAYS), beyond which an "
                            "event could not be told apart from a re-send");
      return;
    }
    out = *ms;
  }

  const ParseOptions& options_;
  std::vector<FieldError>& errors_;
  const std::string* prefix_ = nullptr;
};

std::vector<FieldError> BodyError(std::string message) { return {FieldError{"", std::move(message)}}; }

std::variant<ParsedEvents, std::vector<FieldError>> ReadBatch(Json& array, const ParseOptions& options) {
  if (array.empty()) return BodyError("body must contain at least one event; the array is empty");
  if (array.size() > options.max_batch_events) {
    return BodyError("body has " + std::to_string(array.size()) + " events; send at most " +
                     std::to_string(options.max_batch_events) + " per request");
  }
  ParsedEvents parsed{std::vector<Event>(array.size()), /*is_batch=*/true};
  std::vector<FieldError> errors;
  EventReader reader(options, errors);
  std::string prefix;
  for (std::size_t i = 0; i < array.size(); ++i) {
    prefix = "[" + std::to_string(i) + "]";
    Json& element = array[i];
    if (!element.is_object()) {
      errors.push_back(FieldError{prefix, "each event must be a JSON object"});
      continue;
    }
    reader.Read(element, prefix, parsed.events[i]);
  }
  if (!errors.empty()) return errors;
  return parsed;
}

std::variant<ParsedEvents, std::vector<FieldError>> ReadBody(Json& body, const ParseOptions& options) {
  if (body.is_array()) return ReadBatch(body, options);
  if (!body.is_object()) {
    return BodyError("body must be a JSON object or an array of event objects");
  }
  ParsedEvents parsed{std::vector<Event>(1), /*is_batch=*/false};
  std::vector<FieldError> errors;
  const std::string no_prefix;
  EventReader(options, errors).Read(body, no_prefix, parsed.events.front());
  if (!errors.empty()) return errors;
  return parsed;
}

}  // namespace

std::variant<ParsedEvents, std::vector<FieldError>> ParseEvents(std::string_view body,
                                                                const ParseOptions& options) {
  if (options.fast_path) {
    if (std::optional<Event> event = ParseSingleEventFast(body, options)) {
      ParsedEvents parsed{std::vector<Event>(1), /*is_batch=*/false};
      parsed.events.front() = std::move(*event);
      return parsed;
    }
    if (std::optional<std::vector<Event>> events = ParseBatchFast(body, options)) {
      return ParsedEvents{std::move(*events), /*is_batch=*/true};
    }
  }
  Json json;
  try {
    json = Json::parse(body.begin(), body.end());
  } catch (const Json::exception& e) {
    // nlohmann reports ill-formed UTF-8 as a syntax error; the client needs
    // to know which of the two it got wrong.
    if (const std::optional<std::size_t> offset = FirstInvalidUtf8(body)) {
      return BodyError("body is not valid UTF-8 (ill-formed byte sequence at offset " +
                       std::to_string(*offset) + ")");
    }
    return BodyError("body is not valid JSON: " + ParserDetail(e.what()));
  }
  try {
    return ReadBody(json, options);
  } catch (const Json::exception& e) {
    // Unreachable: every access above checks the type first.
    return BodyError("body could not be read: " + ParserDetail(e.what()));
  }
}

}  // namespace flagmeter
