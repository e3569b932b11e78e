#pragma once

#include <memory>
#include <utility>

#include "flagmeter/core/work_pool.hpp"
#include "flagmeter/services/reply.hpp"

namespace flagmeter {

/// Runs `work(resource)` on a thread of `pool` and answers `done` with its
/// Result, or with the pool's refusal (full, stopping; inline) or the
/// failure of a job that threw. `done` is called exactly once.
template <typename T, typename Resource, typename Work>
void PostForReply(WorkPool<Resource>& pool, Work work, ReplyCallback<T> done) {
  auto shared_done = std::make_shared<ReplyCallback<T>>(std::move(done));
  pool.Post(typename WorkPool<Resource>::Job{
      [work = std::move(work), shared_done](Resource& resource) { (*shared_done)(MakeReply<T>(work(resource))); },
      [shared_done](const Status& refused) { (*shared_done)(MakeReply<T>(refused)); }});
}

}  // namespace flagmeter
