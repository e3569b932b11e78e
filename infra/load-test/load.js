// FlagMeter load test: the original service's k6 profile, checks, request
// timeout, thresholds and summary. Run it with the Dockerfile beside this file
// (see README.md), or with a local k6: `K6_BASE_URL=http://127.0.0.1:3000 k6 run load.js`.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Rate } from 'k6/metrics';

const BASE_URL = __ENV.K6_BASE_URL || 'http://localhost:3000';

const TENANTS = ['acme-corp', 'globex-inc', 'initech-llc'];
const FEATURES = ['gpt-4-turbo', 'gpt-4o', 'claude-3-opus', 'claude-3-sonnet'];
const USAGE_PROBABILITY = 0.2;
const P99_TARGET_MS = 200;
// As the original: k6's default of 60 s would count slow answers under
// overload as successes instead of failures, and change the error rate.
const REQUEST_TIMEOUT = '10s';

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
    tokens: Math.floor(Math.random() * 5000) + 100, // 100..5099
  };
  const posted = http.post(`${BASE_URL}/api/events`, JSON.stringify(event), {
    headers: { 'Content-Type': 'application/json' },
    timeout: REQUEST_TIMEOUT,
    tags: { name: 'POST /api/events' },
  });
  const postedBody = parse(posted);
  const eventOk = check(posted, {
    'POST /events status is 201': (r) => r.status === 201,
    'POST /events has eventId': () =>
      postedBody !== null && postedBody.success === true && postedBody.eventId !== undefined,
  });
  errorRate.add(!eventOk);

  if (Math.random() < USAGE_PROBABILITY) {
    const usage = http.get(`${BASE_URL}/api/usage/${encodeURIComponent(tenant)}`, {
      headers: { 'Content-Type': 'application/json' },
      timeout: REQUEST_TIMEOUT,
      tags: { name: 'GET /api/usage/:tenant' },
    });
    const usageBody = parse(usage);
    const usageOk = check(usage, {
      'GET /usage status is 200': (r) => r.status === 200,
      'GET /usage has valid data': () =>
        usageBody !== null && usageBody.tenantName !== undefined && usageBody.quotaPercent !== undefined,
    });
    errorRate.add(!usageOk);
  }

  sleep(Math.random() * 0.05); // 0-50 ms
}

function metricValue(data, metric, stat) {
  const m = data.metrics[metric];
  return m && m.values && m.values[stat] !== undefined ? m.values[stat] : 0;
}

const RULE = '========================================';

// The original's result block, line for line (tools/load/summary.cpp prints
// the same for flagmeter-load).
export function resultBlock(totalRequests, averageRps, p95, p99, errorRate) {
  const lines = [
    '',
    RULE,
    'FlagMeter Load Test Results',
    RULE,
    `Total Requests: ${totalRequests}`,
    `Average RPS: ${averageRps.toFixed(2)}`,
    `P95 Latency: ${p95.toFixed(2)}ms`,
    `P99 Latency: ${p99.toFixed(2)}ms`,
    `Error Rate: ${(errorRate * 100).toFixed(2)}%`,
    RULE,
    '',
    `P99 Target: ≤ ${P99_TARGET_MS}ms`,
    `P99 Result: ${p99 <= P99_TARGET_MS ? '✓ PASS' : '✗ FAIL'}`,
  ];
  if (p99 > P99_TARGET_MS) {
    lines.push('', `WARNING: P99 latency (${p99.toFixed(2)}ms) exceeds target (${P99_TARGET_MS}ms)`);
  }
  return lines;
}

export function handleSummary(data) {
  const p99 = metricValue(data, 'http_req_duration', 'p(99)');
  const lines = resultBlock(
    metricValue(data, 'http_reqs', 'count'),
    metricValue(data, 'http_reqs', 'rate'),
    metricValue(data, 'http_req_duration', 'p(95)'),
    p99,
    metricValue(data, 'errors', 'rate'),
  );
  // More than the original printed, after its block.
  lines.push(
    '',
    `P50 Latency: ${metricValue(data, 'http_req_duration', 'med').toFixed(2)}ms` +
      `   P99.9 Latency: ${metricValue(data, 'http_req_duration', 'p(99.9)').toFixed(2)}ms` +
      `   Max Latency: ${metricValue(data, 'http_req_duration', 'max').toFixed(2)}ms`,
    `Failed requests: ${(metricValue(data, 'http_req_failed', 'rate') * 100).toFixed(2)}%`,
  );
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [rule, result] of Object.entries(m.thresholds || {})) {
      lines.push(`Threshold ${metric} ${rule} ${result.ok ? '✓' : '✗'}`);
    }
  }
  const outputs = { stdout: lines.join('\n') + '\n' };
  if (__ENV.K6_SUMMARY_FILE) outputs[__ENV.K6_SUMMARY_FILE] = JSON.stringify(data, null, 2);
  return outputs;
}
