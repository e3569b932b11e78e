#include "queue/lua_scripts.hpp"

#include <string_view>

#include "flagmeter/core/event_wire.hpp"

namespace flagmeter::lua {
namespace {

// Puts `items` back at the head of `queue` in their original order: LPUSH
// prepends its arguments one by one, so the chunks go in from the last one
// and each chunk lists its items last to first.
#define FM_LUA_REQUEUE_FUNCTION                                          \
  "local function requeue(queue, items)\n"                               \
  "  local chunk = 1000\n"                                               \
  "  local i = #items\n"                                                 \
  "  while i >= 1 do\n"                                                  \
  "    local from = math.max(1, i - chunk + 1)\n"                        \
  "    local args = {}\n"                                                \
  "    for j = i, from, -1 do args[#args + 1] = items[j] end\n"          \
  "    redis.call('LPUSH', queue, unpack(args))\n"                       \
  "    i = from - 1\n"                                                   \
  "  end\n"                                                              \
  "end\n"

constexpr char kPushSource[] = R"lua(
-- KEYS[1] the queue, KEYS[2] its acceptance counter. ARGV: the queue's bound,
-- the number of groups, each group's size, then every group's items. A group
-- (one request's events) is taken whole or refused whole, in order, while the
-- queue stays within its bound.
-- Each accepted event gets the next number of the counter as field "s"
-- (prepended to its JSON object), so every instance agrees on which copy of
-- an id came first. The counter never falls behind Valkey's clock in
-- microseconds: if its key is lost (flushed, or the last second of the AOF),
-- numbering resumes above every number handed out before, instead of at 1.
-- Below 2^53 until the year 2255, so Lua's doubles hold it exactly.
-- The counter and the list are written once per call, not per group: a call
-- from the pusher carries many single-event requests.
local depth = redis.call('LLEN', KEYS[1])
local max_depth = tonumber(ARGV[1])
local groups = tonumber(ARGV[2])
local result = {0}
local total = 0
for g = 1, groups do
  local n = tonumber(ARGV[2 + g])
  if depth + total + n <= max_depth then
    total = total + n
    result[g + 1] = 1
  else
    result[g + 1] = 0
  end
end
if total > 0 then
  local clock = redis.call('TIME')
  local now_us = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
  local seq = redis.call('INCRBY', KEYS[2], total) - total
  if seq < now_us then
    seq = now_us
    redis.call('SET', KEYS[2], string.format('%d', seq + total))
  end
  local chunk = {}
  local filled = 0
  local pos = 3 + groups
  for g = 1, groups do
    local n = tonumber(ARGV[2 + g])
    if result[g + 1] == 1 then
      for j = pos, pos + n - 1 do
        seq = seq + 1
        local item = ARGV[j]
        -- 123 and 125 are '{' and '}'. %d, not tostring: a number prints
        -- as 1e+14 from there on, which would not be JSON. The format is
        -- event_wire::kLuaStampFormat (checked below).
        if string.byte(item, 1) == 123 and string.byte(item, 2) ~= 125 then
          item = string.format('{"s":%d,', seq) .. string.sub(item, 2)
        end
        filled = filled + 1
        chunk[filled] = item
        if filled == 1000 then
          depth = redis.call('RPUSH', KEYS[1], unpack(chunk, 1, filled))
          filled = 0
        end
      end
    end
    pos = pos + n
  end
  if filled > 0 then depth = redis.call('RPUSH', KEYS[1], unpack(chunk, 1, filled)) end
end
result[1] = depth
return result
)lua";

constexpr char kClaimSource[] = R"lua(
local held = redis.call('LRANGE', KEYS[2], 0, -1)
local items = held
if #held == 0 then
  local max_items = tonumber(ARGV[1])
  local waiting = redis.call('LLEN', KEYS[1])
  if waiting == 0 then return held end
  if waiting <= max_items then
    -- The whole queue fits in this batch (the usual case while workers keep
    -- up): the list itself becomes the processing list, nothing is copied.
    redis.call('RENAME', KEYS[1], KEYS[2])
    items = redis.call('LRANGE', KEYS[2], 0, -1)
  else
    items = redis.call('LRANGE', KEYS[1], 0, max_items - 1)
    redis.call('LTRIM', KEYS[1], #items, -1)
    for i = 1, #items, 1000 do
      redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 999, #items)))
    end
  end
end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3])
return items
)lua";

constexpr char kRenewLeaseSource[] = R"lua(
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return redis.call('LLEN', KEYS[1])
)lua";

constexpr char kReleaseSource[] = FM_LUA_REQUEUE_FUNCTION R"lua(
local items = redis.call('LRANGE', KEYS[2], 0, -1)
requeue(KEYS[1], items)
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('SREM', KEYS[4], ARGV[1])
return #items
)lua";

constexpr char kRequeueExpiredSource[] = FM_LUA_REQUEUE_FUNCTION R"lua(
local moved = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[1] .. ':lease:' .. id) == 0 then
    local processing = ARGV[1] .. ':processing:' .. id
    local items = redis.call('LRANGE', processing, 0, -1)
    requeue(KEYS[1], items)
    redis.call('DEL', processing)
    redis.call('SREM', KEYS[2], id)
    moved = moved + #items
  end
end
return moved
)lua";

constexpr char kInflightSource[] = R"lua(
local total = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  total = total + redis.call('LLEN', ARGV[1] .. ':processing:' .. id)
end
return total
)lua";

#undef FM_LUA_REQUEUE_FUNCTION

}  // namespace

// The push script stamps events in the format their owner defines.
static_assert(std::string_view(kPushSource).find(event_wire::kLuaStampFormat) != std::string_view::npos,
              "the push script must stamp events with event_wire::kLuaStampFormat");

const ValkeyScript kPush{"push", kPushSource};
const ValkeyScript kClaim{"claim", kClaimSource};
const ValkeyScript kRenewLease{"renew lease", kRenewLeaseSource};
const ValkeyScript kRelease{"release", kReleaseSource};
const ValkeyScript kRequeueExpired{"requeue expired", kRequeueExpiredSource};
const ValkeyScript kInflight{"inflight", kInflightSource};

}  // namespace flagmeter::lua
