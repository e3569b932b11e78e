#include "queue/queued_event_fast_path.hpp"

#include <cstdint>
#include <string>

#include "flagmeter/core/event_wire.hpp"

namespace flagmeter {
namespace {

constexpr std::size_t kMaxDigits = 18;                      // below INT64_MAX whatever the digits

// A cursor that gives up (returns false) at anything outside the one shape
// the service writes.
class Cursor final {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }

  bool Take(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  // `"key":`, the key one of event_wire's.
  bool Key(const event_wire::Field& field) {
    if (!Take('"') || text_.substr(pos_, field.key.size()) != field.key) return false;
    pos_ += field.key.size();
    return Take('"') && Take(':');
  }

  // Key(field) if it comes next; otherwise false, and nothing taken.
  bool TryKey(const event_wire::Field& field) {
    const std::size_t start = pos_;
    if (Key(field)) return true;
    pos_ = start;
    return false;
  }

  // A non-empty string of printable ASCII without escapes: escapes, control
  // characters (invalid raw) and UTF-8 (which the JSON parser validates) go
  // the full way.
  bool PlainString(std::string& out) {
    if (!Take('"')) return false;
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        if (pos_ == start) return false;
        out.assign(text_.substr(start, pos_ - start));
        ++pos_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c > 0x7e) return false;
      ++pos_;
    }
    return false;
  }

  // A JSON integer literal without sign, fraction or exponent, of at most
  // kMaxDigits digits.
  bool Integer(std::int64_t& out) {
    const std::size_t start = pos_;
    std::int64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (pos_ - start == kMaxDigits) return false;  // before the digit could overflow
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    const std::size_t digits = pos_ - start;
    if (digits == 0 || (digits > 1 && text_[start] == '0')) return false;  // none, or a leading zero
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) return false;
    out = value;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<Event> DecodeQueuedEventFast(std::string_view encoded) {
  namespace wire = event_wire;
  Cursor cursor(encoded);
  Event event;
  if (!cursor.Take('{')) return std::nullopt;
  const bool seq_first = cursor.TryKey(wire::kAcceptSeq);
  if (seq_first && !(cursor.Integer(event.accept_seq) && cursor.Take(','))) return std::nullopt;
  if (!(cursor.Key(wire::kId) && cursor.PlainString(event.id) && cursor.Take(',') && cursor.Key(wire::kTenant) &&
        cursor.PlainString(event.tenant) && cursor.Take(',') && cursor.Key(wire::kFeature) &&
        cursor.PlainString(event.feature) && cursor.Take(',') && cursor.Key(wire::kTokens) &&
        cursor.Integer(event.tokens) && cursor.Take(',') && cursor.Key(wire::kOccurredAt) &&
        cursor.Integer(event.occurred_at_ms) && cursor.Take(',') && cursor.Key(wire::kReceivedAt) &&
        cursor.Integer(event.received_at_ms))) {
    return std::nullopt;
  }
  // The store's own parameter carries the number last (AppendEventJson);
  // both places at once would be a duplicate key, read the full way.
  if (!seq_first && cursor.Take(',') && !(cursor.Key(wire::kAcceptSeq) && cursor.Integer(event.accept_seq))) {
    return std::nullopt;
  }
  if (!cursor.Take('}') || !cursor.AtEnd()) return std::nullopt;
  if (event.tokens < 1 || event.tokens > kMaxEventTokens) return std::nullopt;  // refused, in DecodeEvent's words
  return event;
}

}  // namespace flagmeter
