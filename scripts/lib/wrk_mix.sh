# shellcheck shell=bash
# The wrk Lua script of the saturation runs, shared by scripts/bench --wrk and
# scripts/bench-nginx so both measure under exactly the same client.

# fm_write_wrk_mix <file> <tenant-prefix>: 80 % POST /api/events, 20 % GET
# /api/usage, random tenant of three and feature of four, fixed 1000 tokens
# per event so that 201s x 1000 is what must be counted. Each wrk thread
# counts the 201s it read; done() prints the sum as "WRK_CREATED <n>".
fm_write_wrk_mix() {
  cat >"$1" <<LUA
local tenants = {"$2acme-corp", "$2globex-inc", "$2initech-llc"}
local features = {"gpt-4-turbo", "gpt-4o", "claude-3-opus", "claude-3-sonnet"}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0; math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
function request()
  local tenant = tenants[math.random(#tenants)]
  if math.random() < 0.2 then return wrk.format("GET", "/api/usage/" .. tenant) end
  local body = '{"tenant":"' .. tenant .. '","feature":"' .. features[math.random(#features)] .. '","tokens":1000}'
  return wrk.format("POST", "/api/events", {["Content-Type"] = "application/json"}, body)
end
function response(status) if status == 201 then created = created + 1 end end
function done()
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("created") end
  io.write(string.format("WRK_CREATED %d\n", total))
end
LUA
}

# The saturation command, the same for FlagMeter and nginx.
FM_WRK_ARGS=(-t2 -c256 -d30s --latency)
