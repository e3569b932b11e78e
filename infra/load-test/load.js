// FlagMeter load test: the original service's k6 profile, checks, thresholds
// and summary. Run it with the Dockerfile beside this file (see README.md),
// or with a local k6: `K6_BASE_URL=http://127.0.0.1:3000 k6 run load.js`.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Rate } from 'k6/metrics';

const BASE_URL = __ENV.K6_BASE_URL || 'http://localhost:3000';

const TENANTS = ['acme-corp', 'globex-inc', 'initech-llc'];
const FEATURES = ['gpt-4-turbo', 'gpt-4o', 'claude-3-opus', 'claude-3-sonnet'];
const USAGE_PROBABILITY = 0.2;
const P99_TARGET_MS = 200;

// A failed check group (an answer that is not what the API promises).
const errorRate = new Rate('errors');

export const options = {
  scenarios: {
    seed: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '30s', target: 100 },
        { duration: '1m', target: 500 },
        { duration: '2m', target: 1000 },
        { duration: '1m', target: 1000 },
        { duration: '30s', target: 0 },
      ],
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<200', 'p(99)<500'],
    errors: ['rate<0.1'],
    http_req_failed: ['rate<0.05'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)'],
};

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function parse(response) {
  try {
    return response.json();
  } catch (_) {
    return null;
  }
}

export default function () {
  const tenant = pick(TENANTS);
  const event = {
    tenant,
    feature: pick(FEATURES),
    tokens: Math.floor(Math.random() * 5001) + 100, // 100..5100
  };
  const posted = http.post(`${BASE_URL}/api/events`, JSON.stringify(event), {
    headers: { 'Content-Type': 'application/json' },
    tags: { name: 'POST /api/events' },
  });
  const postedBody = parse(posted);
  const eventOk = check(posted, {
    'event status is 201': (r) => r.status === 201,
    'event success is true': () => postedBody !== null && postedBody.success === true,
    'event has eventId': () => postedBody !== null && typeof postedBody.eventId === 'string' && postedBody.eventId !== '',
  });
  errorRate.add(!eventOk);

  if (Math.random() < USAGE_PROBABILITY) {
    const usage = http.get(`${BASE_URL}/api/usage/${encodeURIComponent(tenant)}`, {
      tags: { name: 'GET /api/usage/:tenant' },
    });
    const usageBody = parse(usage);
    const usageOk = check(usage, {
      'usage status is 200': (r) => r.status === 200,
      'usage has tenantName': () => usageBody !== null && usageBody.tenantName !== undefined,
      'usage has quotaPercent': () => usageBody !== null && usageBody.quotaPercent !== undefined,
    });
    errorRate.add(!usageOk);
  }

  sleep(Math.random() * 0.05); // 0-50 ms
}

function metricValue(data, metric, stat) {
  const m = data.metrics[metric];
  return m && m.values && m.values[stat] !== undefined ? m.values[stat] : 0;
}

export function handleSummary(data) {
  const p95 = metricValue(data, 'http_req_duration', 'p(95)');
  const p99 = metricValue(data, 'http_req_duration', 'p(99)');
  const lines = [
    '',
    '========== FlagMeter Load Test Summary ==========',
    `Total Requests: ${metricValue(data, 'http_reqs', 'count')}`,
    `Average RPS: ${metricValue(data, 'http_reqs', 'rate').toFixed(2)}`,
    `P95 Latency: ${p95.toFixed(2)}ms`,
    `P99 Latency: ${p99.toFixed(2)}ms`,
    `Error Rate: ${(metricValue(data, 'errors', 'rate') * 100).toFixed(2)}%`,
    '',
    `P99 Target: ≤ ${P99_TARGET_MS}ms`,
    `P99 Result: ${p99 <= P99_TARGET_MS ? '✓ PASS' : '✗ FAIL'}`,
    '=================================================',
    `P50 Latency: ${metricValue(data, 'http_req_duration', 'med').toFixed(2)}ms` +
      `   P99.9 Latency: ${metricValue(data, 'http_req_duration', 'p(99.9)').toFixed(2)}ms` +
      `   Max Latency: ${metricValue(data, 'http_req_duration', 'max').toFixed(2)}ms`,
    `Failed requests: ${(metricValue(data, 'http_req_failed', 'rate') * 100).toFixed(2)}%`,
  ];
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [rule, result] of Object.entries(m.thresholds || {})) {
      lines.push(`Threshold ${metric} ${rule} ${result.ok ? '✓' : '✗'}`);
    }
  }
  const outputs = { stdout: lines.join('\n') + '\n' };
  if (__ENV.K6_SUMMARY_FILE) outputs[__ENV.K6_SUMMARY_FILE] = JSON.stringify(data, null, 2);
  return outputs;
}
