// Tenants with usage spread over the last hour, for the dashboard test and
// its screenshot. Quotas (set with the admin token when given) are chosen so
// that the cards show every level: calm, at 80 % or more, over quota.

export const LIVE_TENANT = 'acme-corp';

const FEATURES = ['gpt-4o', 'claude-sonnet', 'embeddings', 'whisper', 'gpt-4o-mini', 'rerank'];
// name, tokens this hour, share of quota wanted (null: default quota).
const TENANTS = [
  ['acme-corp', 900000, 0.42],
  ['globex', 1500000, 0.93],
  ['initech', 600000, 1.08],
  ['umbrella-labs', 1200000, 0.81],
  ['hooli', 400000, 0.18],
  ['stark-industries', 2000000, 0.64],
  ['wayne-enterprises', 300000, 0.07],
  ['soylent', 150000, null],
  ['tyrell-corp', 800000, 0.35],
  ['cyberdyne', 500000, 0.55],
];

// A deterministic pseudo-random sequence, so runs look alike.
function random(seed) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

async function post(baseUrl, events) {
  const response = await fetch(`${baseUrl}/api/events`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(events),
  });
  if (response.status !== 201) throw new Error(`POST /api/events: ${response.status} ${await response.text()}`);
}

async function putQuota(baseUrl, token, tenant, quota) {
  const response = await fetch(`${baseUrl}/api/tenants/${encodeURIComponent(tenant)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ monthlyQuota: quota }),
  });
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`PUT /api/tenants/${tenant}: ${response.status} ${await response.text()}`);
  }
}

// Events of `tenant` adding up to `tokens`, dated over the last hour with a
// busier recent half.
function eventsFor(tenant, tokens, next) {
  const events = [];
  const count = 60;
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    const minutesAgo = Math.floor(next() ** 1.6 * 58) + 1;
    const feature = FEATURES[Math.floor(next() ** 2 * FEATURES.length)];
    events.push({ tenant, feature, tokens: 0, timestamp: new Date(now - minutesAgo * 60000).toISOString() });
  }
  const weights = events.map(() => 0.4 + next());
  const sum = weights.reduce((a, b) => a + b, 0);
  let left = tokens;
  events.forEach((event, i) => {
    event.tokens = i === count - 1 ? left : Math.max(1, Math.floor((tokens * weights[i]) / sum));
    left -= event.tokens;
  });
  return events;
}

async function waitForTenants(baseUrl, count) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/api/dashboard`);
    if (response.ok && (await response.json()).tenants.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`seed: ${count} tenants did not show up in /api/dashboard within 10 s`);
}

export async function seedTenants(baseUrl, adminToken) {
  if (!adminToken) throw new Error('seed: set FLAGMETER_ADMIN_TOKEN to the server\'s ADMIN_TOKEN (quotas are set with it)');
  const next = random(7);
  let fullest = null;
  for (const [tenant, tokens, share] of TENANTS) {
    if (share !== null) await putQuota(baseUrl, adminToken, tenant, Math.round(tokens / share));
    if (share !== null && (!fullest || share > fullest[1])) fullest = [tenant, share];
    await post(baseUrl, eventsFor(tenant, tokens, next));
  }
  await waitForTenants(baseUrl, TENANTS.length);
  return {
    tenants: TENANTS.length,
    hotTenant: 'globex',
    calmTenant: 'hooli',
    fullestTenant: fullest[0],
  };
}

// Posts `count` events of about `tokens` each for `tenant`, dated now;
// returns the tokens added.
export async function postEvents(baseUrl, tenant, count, tokens) {
  const events = Array.from({ length: count }, (_, i) => ({
    tenant, feature: FEATURES[i % 3], tokens: tokens + i,
  }));
  await post(baseUrl, events);
  return events.reduce((sum, event) => sum + event.tokens, 0);
}
