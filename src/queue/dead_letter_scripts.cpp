#include "queue/dead_letter_scripts.hpp"

namespace flagmeter::lua {
namespace {

// id_of: the record's id, or nil. reason_of: its reason, by the rules of
// ReadDeadLetterRecord (dead_letter_record.cpp): a label of this version, or
// the words of an earlier one, or "undecodable" for anything else.
// first_after: the index of the first record whose id is above `after`
// (ids ascend along the list; a record without one counts as 0).
#define FM_LUA_DEAD_LETTER_FUNCTIONS                                                    \
  "local function id_of(record)\n"                                                      \
  "  if type(record) ~= 'string' then return nil end\n"                                 \
  "  return tonumber(string.match(record, '^{\"n\":(%d+),'))\n"                         \
  "end\n"                                                                               \
  "local function reason_of(record)\n"                                                  \
  "  local label = string.match(record, '^{\"n\":%d+,\"reason\":\"(%l+)\"')\n"          \
  "  if label == 'undecodable' or label == 'refused' then return label end\n"           \
  "  local ok, object = pcall(cjson.decode, record)\n"                                  \
  "  if not ok or type(object) ~= 'table' or type(object.reason) ~= 'string' then\n"    \
  "    return 'undecodable'\n"                                                          \
  "  end\n"                                                                             \
  "  local reason = object.reason\n"                                                    \
  "  if reason == 'undecodable' or reason == 'refused' then return reason end\n"        \
  "  if string.sub(reason, 1, 11) == 'undecodable' then return 'undecodable' end\n"     \
  "  return 'refused'\n"                                                                \
  "end\n"                                                                               \
  "local function first_after(dead, after)\n"                                           \
  "  local lo, hi = 0, redis.call('LLEN', dead)\n"                                      \
  "  while lo < hi do\n"                                                                \
  "    local mid = math.floor((lo + hi) / 2)\n"                                         \
  "    if (id_of(redis.call('LINDEX', dead, mid)) or 0) <= after then\n"                \
  "      lo = mid + 1\n"                                                                \
  "    else\n"                                                                          \
  "      hi = mid\n"                                                                    \
  "    end\n"                                                                           \
  "  end\n"                                                                             \
  "  return lo\n"                                                                       \
  "end\n"

constexpr char kDeadLetterSource[] = FM_LUA_DEAD_LETTER_FUNCTIONS R"lua(
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return {0} end
-- The next id, above the tail's even if Q:dead:seq was lost.
local id = redis.call('INCR', KEYS[4])
local tail = id_of(redis.call('LINDEX', KEYS[2], -1))
if tail and id <= tail then
  id = tail + 1
  redis.call('SET', KEYS[4], string.format('%d', id))
end
redis.call('RPUSH', KEYS[2], string.format('{"n":%d,', id) .. string.sub(ARGV[2], 2))
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
local result = {1, 0, 0, ''}
local excess = redis.call('LLEN', KEYS[2]) - tonumber(ARGV[4])
while excess > 0 do
  local dropped = redis.call('LPOP', KEYS[2])
  local reason = reason_of(dropped)
  redis.call('HINCRBY', KEYS[3], reason, -1)
  if reason == 'undecodable' then result[2] = result[2] + 1 else result[3] = result[3] + 1 end
  if result[4] == '' then result[4] = dropped end
  excess = excess - 1
end
return result
)lua";

constexpr char kDeadLetterCountSource[] = FM_LUA_DEAD_LETTER_FUNCTIONS R"lua(
local length = redis.call('LLEN', KEYS[1])
local held = redis.call('HMGET', KEYS[2], 'undecodable', 'refused')
local undecodable, refused = tonumber(held[1]) or 0, tonumber(held[2]) or 0
if undecodable >= 0 and refused >= 0 and undecodable + refused == length then
  return {undecodable, refused, 0}
end
local items = {}
for i = 0, length - 1, 1000 do
  for _, item in ipairs(redis.call('LRANGE', KEYS[1], i, i + 999)) do items[#items + 1] = item end
end
undecodable, refused = 0, 0
local ascending, previous = true, 0
for _, item in ipairs(items) do
  if reason_of(item) == 'undecodable' then undecodable = undecodable + 1 else refused = refused + 1 end
  local id = id_of(item)
  if not id or id <= previous then ascending = false else previous = id end
end
local renumbered = 0
if not ascending then
  local id = redis.call('INCRBY', KEYS[3], #items) - #items
  local rebuilt = {}
  for _, item in ipairs(items) do
    id = id + 1
    local body = item
    local old_id = string.match(item, '^{"n":%d+,')
    if old_id then body = '{' .. string.sub(item, #old_id + 1) end
    if string.sub(body, 1, 2) == '{"' then
      rebuilt[#rebuilt + 1] = string.format('{"n":%d,', id) .. string.sub(body, 2)
    else
      rebuilt[#rebuilt + 1] = string.format('{"n":%d,"reason":"undecodable","event":%s}', id, cjson.encode(item))
    end
  end
  redis.call('DEL', KEYS[1])
  for i = 1, #rebuilt, 1000 do
    redis.call('RPUSH', KEYS[1], unpack(rebuilt, i, math.min(i + 999, #rebuilt)))
  end
  renumbered = #rebuilt
end
redis.call('HSET', KEYS[2], 'undecodable', undecodable, 'refused', refused)
return {undecodable, refused, renumbered}
)lua";

constexpr char kDeadLetterPageSource[] = FM_LUA_DEAD_LETTER_FUNCTIONS R"lua(
local length = redis.call('LLEN', KEYS[1])
local from = first_after(KEYS[1], tonumber(ARGV[1]))
local items = redis.call('LRANGE', KEYS[1], from, from + tonumber(ARGV[2]) - 1)
local result = {length, 0, id_of(redis.call('LINDEX', KEYS[1], -1)) or 0}
if from + #items < length then result[2] = 1 end
for _, item in ipairs(items) do result[#result + 1] = item end
return result
)lua";

constexpr char kDeadLetterFindSource[] = FM_LUA_DEAD_LETTER_FUNCTIONS R"lua(
local result = {}
for i, wanted in ipairs(ARGV) do
  local id = tonumber(wanted)
  local record = redis.call('LINDEX', KEYS[1], first_after(KEYS[1], id - 1))
  if record and id_of(record) == id then result[i] = record else result[i] = '' end
end
return result
)lua";

// Records with an id are all found by binary search first, then replaced
// by a marker that no record equals, and all markers go in one LREM: one
// pass over the list, however many records move. A record without an id
// (not yet numbered) is removed by value.
constexpr char kDeadLetterMoveSource[] = FM_LUA_DEAD_LETTER_FUNCTIONS R"lua(
local marker = '\1flagmeter: being moved\1'
local redrive = ARGV[1] == 'redrive'
local room = tonumber(ARGV[2]) - redis.call('LLEN', KEYS[2])
local chosen, at_index, full = {}, {}, 0
for i = 3, #ARGV, 3 do
  if redrive and #chosen >= room then
    full = 1
    break
  end
  local id = id_of(ARGV[i])
  if id then
    local index = first_after(KEYS[1], id - 1)
    if not at_index[index] and redis.call('LINDEX', KEYS[1], index) == ARGV[i] then
      at_index[index] = true
      chosen[#chosen + 1] = {i, index}
    end
  else
    chosen[#chosen + 1] = {i, -1}
  end
end
-- Markers first: removing by value shifts the indices found above.
local taken = {}
for n, pick in ipairs(chosen) do
  if pick[2] >= 0 then
    redis.call('LSET', KEYS[1], pick[2], marker)
    taken[n] = true
  end
end
for n, pick in ipairs(chosen) do
  if pick[2] < 0 then taken[n] = redis.call('LREM', KEYS[1], 1, ARGV[pick[1]]) == 1 end
end
redis.call('LREM', KEYS[1], 0, marker)
local moved = 0
for n, pick in ipairs(chosen) do
  if taken[n] then
    local i = pick[1]
    if redrive then redis.call('RPUSH', KEYS[2], ARGV[i + 1]) end
    redis.call('HINCRBY', KEYS[3], ARGV[i + 2], -1)
    moved = moved + 1
  end
end
return {moved, full}
)lua";

#undef FM_LUA_DEAD_LETTER_FUNCTIONS

}  // namespace

const ValkeyScript kDeadLetter{"dead letter", kDeadLetterSource};
const ValkeyScript kDeadLetterCount{"dead letter count", kDeadLetterCountSource};
const ValkeyScript kDeadLetterPage{"dead letter page", kDeadLetterPageSource};
const ValkeyScript kDeadLetterFind{"dead letter find", kDeadLetterFindSource};
const ValkeyScript kDeadLetterMove{"dead letter move", kDeadLetterMoveSource};

}  // namespace flagmeter::lua
