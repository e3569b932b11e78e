#include "ingest/single_event_fast_path.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "flagmeter/core/event.hpp"
#include "flagmeter/core/rfc3339.hpp"
#include "flagmeter/core/uuid.hpp"
#include "flagmeter/ingest/name_rules.hpp"

namespace flagmeter {
namespace {

constexpr auto kMaxTokens = static_cast<std::uint64_t>(kMaxEventTokens);

// A cursor over the body that gives up (returns false) at anything outside
// the narrow grammar it reads.
class Scanner final {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Take(char c) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  // A string without escapes or control characters (those go the full way).
  bool PlainString(std::string_view& out) {
    if (!Take('"')) return false;
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        out = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      ++pos_;
    }
    return false;
  }

  // A JSON integer literal without sign, fraction or exponent, 1..2^53-1.
  bool Tokens(std::uint64_t& out) {
    SkipSpace();
    const std::size_t start = pos_;
    std::uint64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(text_[pos_] - '0');
      if (value > kMaxTokens) return false;
      ++pos_;
    }
    const std::size_t digits = pos_ - start;
    if (digits == 0 || (digits > 1 && text_[start] == '0') || value < 1) return false;
    // A fraction or exponent makes it a float for the full parser.
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) return false;
    out = value;
    return true;
  }

  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// One plain event object (see the header) at `in`, valid, or nullopt.
std::optional<Event> PlainEvent(Scanner& in, const ParseOptions& options) {
  std::optional<std::string_view> tenant, feature, id, timestamp;
  std::optional<std::uint64_t> tokens;
  if (!in.Take('{') || in.Peek('}')) return std::nullopt;
  do {
    std::string_view key;
    if (!in.PlainString(key) || !in.Take(':')) return std::nullopt;
    std::optional<std::string_view>* text_field = nullptr;
    if (key == "tenant") {
      text_field = &tenant;
    } else if (key == "feature") {
      text_field = &feature;
    } else if (key == "id") {
      text_field = &id;
    } else if (key == "timestamp") {
      text_field = &timestamp;
    } else if (key == "tokens") {
      std::uint64_t value = 0;
      if (tokens || !in.Tokens(value)) return std::nullopt;
      tokens = value;
      continue;
    } else {
      return std::nullopt;  // unknown fields are ignored by the full parser
    }
    std::string_view value;
    if (text_field->has_value() || !in.PlainString(value)) return std::nullopt;
    *text_field = value;
  } while (in.Take(','));
  if (!in.Take('}')) return std::nullopt;

  if (!tenant || !feature || !tokens) return std::nullopt;
  if (NameProblem(*tenant) || NameProblem(*feature) || (id && NameProblem(*id))) return std::nullopt;
  Event event;
  event.occurred_at_ms = options.now_ms;
  if (timestamp) {
    const std::optional<std::int64_t> ms = ParseRfc3339Ms(*timestamp);
    if (!ms || *ms > options.now_ms + options.max_future_ms || *ms < options.now_ms - options.max_past_ms) {
      return std::nullopt;  // the full parser says why
    }
    event.occurred_at_ms = *ms;
  }
  event.tenant = std::string(*tenant);
  event.feature = std::string(*feature);
  event.tokens = static_cast<std::int64_t>(*tokens);
  event.received_at_ms = options.now_ms;
  event.id = id ? std::string(*id) : NewUuidV7(options.now_ms);
  return event;
}

}  // namespace

std::optional<Event> ParseSingleEventFast(std::string_view body, const ParseOptions& options) {
  Scanner in(body);
  std::optional<Event> event = PlainEvent(in, options);
  if (!event || !in.AtEnd()) return std::nullopt;
  return event;
}

std::optional<std::vector<Event>> ParseBatchFast(std::string_view body, const ParseOptions& options) {
  Scanner in(body);
  if (!in.Take('[') || in.Peek(']')) return std::nullopt;
  std::vector<Event> events;
  do {
    if (events.size() == options.max_batch_events) return std::nullopt;  // too many: the full parser says so
    std::optional<Event> event = PlainEvent(in, options);
    if (!event) return std::nullopt;
    events.push_back(std::move(*event));
  } while (in.Take(','));
  if (!in.Take(']') || !in.AtEnd()) return std::nullopt;
  return events;
}

}  // namespace flagmeter
