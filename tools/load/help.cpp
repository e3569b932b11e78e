#include "load/options.hpp"

namespace flagmeter::load {

std::string HelpText() {
  return R"(flagmeter-load: drives FlagMeter with the seed's k6 traffic and checks that
every acknowledged token is counted.

Each iteration POSTs /api/events {tenant, feature, tokens 100..5099} (checked:
201, success true, eventId), then with probability 20 % GETs
/api/usage/<same tenant> (checked: 200, tenantName, quotaPercent), then, in
the closed-loop modes, sleeps a random 0-50 ms.

Usage: flagmeter-load [options]

Load shape (choose one; default --profile seed):
  --profile seed|short   seed: 0->100 VUs over 30s, ->500 over 1m, ->1000 over 2m,
                         hold 1m, ->0 over 30s.  short: the same shape in 30s.
  --short                same as --profile short
  --stages LIST          custom ramp, e.g. "30s:100,1m:500,30s:0" (from 0 VUs)
  --vus N --duration D   N virtual users for D (e.g. 15s, 2m, 1m30s)
  --rate R [--duration D]
                         open loop: R iterations per second started at fixed
                         intended times for D (default 30s); latency counts from
                         the intended start, so a stall cannot hide (no
                         coordinated omission). An arrival finding no free
                         connection is counted as dropped.
  --connections N        open loop: connection pool size (default: enough for
                         R iterations taking 1 s each, at least 64)

Traffic:
  --base-url URL         target (default http://127.0.0.1:3000)
  --tenants a,b,c        tenant names (default acme-corp,globex-inc,initech-llc)
  --features a,b         features (default gpt-4-turbo,gpt-4o,claude-3-opus,claude-3-sonnet)
  --tenant-prefix P      prepend P to every tenant name; "auto" makes a unique
                         one (load-<random>-) so other traffic cannot disturb
                         the conservation check
  --usage-ratio F        chance of the GET after each POST (default 0.2)
  --max-sleep D          closed-loop think time upper bound (default 50ms)
  --seed N               random seed (default: random; printed)
  --threads N            io threads, each running its share of the VUs (default 2)
  --timeout D            per-request timeout (default 60s)

Results:
  --json FILE            write the results (summary, percentiles, status counts,
                         checks, conservation) as JSON
  --progress D           a progress line every D on stderr (default 10s; 0: none)
  --no-conservation      skip the conservation check
  --drain-timeout D      how long to wait for the queue to drain and usage to
                         settle before judging conservation (default 60s)
  --fail-on-thresholds   exit 3 when a threshold (p95<200ms, p99<500ms, error
                         rate<10%, failed requests<5%) is crossed
  -h, --help             this text

Conservation: before the run, each tenant's totalTokens is read from
GET /api/usage/<tenant> (404 counts as 0). After the run, once /metrics shows
flagmeter_queue_depth and flagmeter_queue_inflight at 0 and usage stops
changing, each tenant's increase must equal the sum of the tokens of its
events answered 201. The run must not cross the start of a billing period.

Exit codes:
  0  done; conservation exact (or skipped); thresholds met or not enforced
  1  conservation failed: a tenant's increase differs from its acknowledged
     tokens, or the queue did not drain within --drain-timeout
  2  bad command line
  3  a threshold was crossed and --fail-on-thresholds was given
  4  setup failed: target unreachable, baseline usage unreadable, or the
     --json file could not be written
)";
}

}  // namespace flagmeter::load
