#pragma once

#include <gtest/gtest.h>

#include "flagmeter/core/event.hpp"

namespace flagmeter {

// Every field of two events equal, each named when it is not.
inline void ExpectSameEvent(const Event& a, const Event& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.tenant, b.tenant);
  EXPECT_EQ(a.feature, b.feature);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.occurred_at_ms, b.occurred_at_ms);
  EXPECT_EQ(a.received_at_ms, b.received_at_ms);
  EXPECT_EQ(a.accept_seq, b.accept_seq);
}

}  // namespace flagmeter
