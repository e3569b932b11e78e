#include "flagmeter/core/event_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace flagmeter {
namespace {

TEST(EventJson, WritesTheCompactObjectWithOrWithoutTheAcceptanceNumber) {
  const Event event{.id = "id\"1", .tenant = "acme", .feature = "gpt-4o", .tokens = 12,
                    .occurred_at_ms = 1000, .received_at_ms = 2000, .accept_seq = 7};
  std::string queued;
  AppendEventJson(event, /*with_accept_seq=*/false, queued);
  EXPECT_EQ(queued, R"({"i":"id\"1","t":"acme","f":"gpt-4o","n":12,"o":1000,"r":2000})");
  std::string stored = "[";
  AppendEventJson(event, /*with_accept_seq=*/true, stored);
  EXPECT_EQ(stored, R"([{"i":"id\"1","t":"acme","f":"gpt-4o","n":12,"o":1000,"r":2000,"s":7})");
}

}  // namespace
}  // namespace flagmeter
