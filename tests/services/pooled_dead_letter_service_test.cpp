#include "flagmeter/services/pooled_dead_letter_service.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_dead_letter_store.hpp"
#include "services/reply_waiter.hpp"

namespace flagmeter {
namespace {

using testing::WaitForReply;

TEST(PooledDeadLetterService, ListsPagesAndMovesRecordsOnItsThread) {
  fakes::FakeDeadLetterStore* store = nullptr;  // owned by the pool's thread
  DeadLetterPool pool{WorkPoolOptions{.group = ThreadGroup::kDeadLetters, .name = "deadletters"}, [&store] {
                        auto made = std::make_unique<fakes::FakeDeadLetterStore>();
                        for (int i = 0; i < 3; ++i) made->Add(DeadLetterReason::kRefused, "event " + std::to_string(i));
                        store = made.get();
                        return made;
                      }};
  pool.Start();
  PooledDeadLetterService service(pool);
  auto page = WaitForReply<DeadLetterPage>([&](auto done) { service.List(0, 2, done); });
  ASSERT_TRUE(page->ok()) << page->status().ToString();
  EXPECT_EQ(page->value().entries.size(), 2u);
  EXPECT_EQ(page->value().total, 3);
  EXPECT_TRUE(page->value().more);
  DeadLetterSelection selection;
  selection.count = 2;
  const auto report =
      WaitForReply<DeadLetterMoveReport>([&](auto done) { service.Move(DeadLetterAction::kRedrive, selection, done); });
  ASSERT_TRUE(report->ok());
  EXPECT_EQ(report->value().moved, 2);
  EXPECT_EQ(report->value().remaining, 1);
  EXPECT_EQ(store->queue, (std::vector<std::string>{"event 0", "event 1"}));
  pool.Stop();
  EXPECT_EQ(WaitForReply<DeadLetterPage>([&](auto done) { service.List(0, 2, done); })->status().code(),
            Status::Code::kUnavailable);
}

}  // namespace
}  // namespace flagmeter
