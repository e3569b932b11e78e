#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "flagmeter/services/reply.hpp"
#include "flagmeter/store/usage_reader.hpp"

namespace flagmeter {

/// The JSON of recent usage answers, by the reply they were written from.
/// The usage service hands every reader of a tenant the same immutable reply
/// for USAGE_CACHE_MS, so a busy tenant's answer is written once per reply
/// instead of once per request (about 6,000 instructions each: dates, the
/// quota percentage, 128-bit sums). Keeps the last kEntries replies, so
/// what it holds is bounded by the usage answer's own bound (the feature
/// cap). One per io thread; no locks.
class UsageAnswerMemo final {
 public:
  static constexpr std::size_t kEntries = 16;

  /// The answer's JSON for `reply` (which holds a value), written by
  /// `render` only when this reply is not among the last kEntries.
  template <typename Render>
  const std::string& Json(const Reply<TenantUsage>& reply, Render&& render) {
    for (const Entry& entry : entries_) {
      if (entry.reply == reply) return entry.json;
    }
    Entry& entry = entries_[next_];
    next_ = (next_ + 1) % kEntries;
    entry.json = render(reply->value());
    entry.reply = reply;  // kept, so its address cannot be reused by another reply
    return entry.json;
  }

 private:
  struct Entry {
    Reply<TenantUsage> reply;
    std::string json;
  };
  std::array<Entry, kEntries> entries_;
  std::size_t next_ = 0;  // the oldest entry, replaced next
};

}  // namespace flagmeter
