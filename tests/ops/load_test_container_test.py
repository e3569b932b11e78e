#!/usr/bin/env python3
"""The k6 container of infra/load-test, checked without a Docker engine or k6.

    tests/ops/load_test_container_test.py [REPO_ROOT]

- entrypoint.sh picks K6_BASE_URL when set, http://api:3000 where `api`
  resolves (through getent, or nslookup where getent is missing), else
  http://localhost:3000, and runs `k6 run [args] /home/k6/load.js`: a stand-in
  k6 records what it was given.
- load.js runs under Node.js with stand-ins for k6's modules
  (tests/ops/k6_stub): every request has the original's 10 s timeout, tokens
  span 100..5099, the checks pass on good answers and fail on bad ones, and
  handleSummary prints the original's result block line for line, with its
  WARNING line when the p99 is over target.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../.."))
LOAD_TEST = os.path.join(ROOT, "infra/load-test")
STUB = os.path.join(ROOT, "tests/ops/k6_stub")

SEED_BLOCK_PASS = """
========================================
FlagMeter Load Test Results
========================================
Total Requests: 245832
Average RPS: 1234.56
P95 Latency: 185.23ms
P99 Latency: 198.45ms
Error Rate: 0.12%
========================================

P99 Target: ≤ 200ms
P99 Result: ✓ PASS
"""


def write_tool(folder, name, script):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\n" + script)
    os.chmod(path, 0o755)


class EntrypointTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fm-k6-entry-")
        self.bin = os.path.join(self.dir, "bin")
        os.mkdir(self.bin)
        self.record = os.path.join(self.dir, "k6-call")
        write_tool(self.bin, "k6", f'printf "%s\\n" "$K6_BASE_URL" "$@" > "{self.record}"\n')

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_entrypoint(self, env, *args):
        # PATH holds only the stand-ins: which lookup tool exists is the test's choice.
        result = subprocess.run(["/bin/sh", os.path.join(LOAD_TEST, "entrypoint.sh"), *args],
                                env={"PATH": self.bin, **env}, capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.record, encoding="utf-8") as f:
            url, *k6_args = f.read().splitlines()
        return url, k6_args, result.stderr

    def test_k6_base_url_wins(self):
        write_tool(self.bin, "getent", "exit 0\n")
        url, args, log = self.run_entrypoint({"K6_BASE_URL": "http://127.0.0.1:8080"}, "--vus", "5")
        self.assertEqual(url, "http://127.0.0.1:8080")
        self.assertEqual(args, ["run", "--vus", "5", "/home/k6/load.js"])
        self.assertIn("target http://127.0.0.1:8080", log)

    def test_compose_network_where_api_resolves(self):
        write_tool(self.bin, "getent", '[ "$1 $2" = "hosts api" ] && echo "172.18.0.5 api" && exit 0\nexit 2\n')
        url, args, _ = self.run_entrypoint({})
        self.assertEqual(url, "http://api:3000")
        self.assertEqual(args, ["run", "/home/k6/load.js"])

    def test_host_network_where_api_does_not_resolve(self):
        write_tool(self.bin, "getent", "exit 2\n")
        url, _, _ = self.run_entrypoint({"K6_BASE_URL": ""})
        self.assertEqual(url, "http://localhost:3000")

    def test_nslookup_where_getent_is_missing(self):
        write_tool(self.bin, "nslookup", '[ "$1" = api ] && exit 0\nexit 1\n')
        self.assertEqual(self.run_entrypoint({})[0], "http://api:3000")
        write_tool(self.bin, "nslookup", "exit 1\n")
        self.assertEqual(self.run_entrypoint({})[0], "http://localhost:3000")


# Runs load.js's default function with Math.random pinned to each value
# given, then handleSummary on a summary object; prints what happened as JSON.
RUNNER = r"""
globalThis.__ENV = JSON.parse(process.env.LOAD_ENV);
const http = (await import('k6/http')).default;
const { requests } = await import('k6/http');
const { recorded } = await import('k6');
const script = await import(process.env.LOAD_SCRIPT);
const randoms = JSON.parse(process.env.RANDOMS);
for (const value of randoms) {
  Math.random = () => value;
  script.default();
}
// A bad answer must fail the checks.
http.post = (url, body, params) => { requests.push({ method: 'POST', url, body, params });
  return { status: 503, body: '{"error":"x"}', json: () => ({ error: 'x' }) }; };
Math.random = () => 0.5;
const before = recorded.checks.length;
script.default();
const failedChecks = recorded.checks.slice(before).filter((c) => !c.passed).map((c) => c.name);
const summary = (p99) => script.handleSummary({ metrics: {
  http_reqs: { values: { count: 245832, rate: 1234.5612 } },
  http_req_duration: { values: { 'p(95)': 185.234, 'p(99)': p99, med: 20, 'p(99.9)': 300, max: 900 },
                       thresholds: { 'p(95)<200': { ok: true } } },
  errors: { values: { rate: 0.0012 } },
  http_req_failed: { values: { rate: 0.001 } },
} }).stdout;
console.log(JSON.stringify({ requests, checks: recorded.checks, sleeps: recorded.sleeps, failedChecks,
                             pass: summary(198.45), fail: summary(612.349) }));
"""


class LoadScriptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        node = shutil.which("node")
        if node is None:
            raise AssertionError("node is not on PATH: scripts/test installs nodejs")
        cls.dir = tempfile.mkdtemp(prefix="fm-k6-script-")
        os.makedirs(os.path.join(cls.dir, "node_modules"))
        os.symlink(STUB, os.path.join(cls.dir, "node_modules/k6"))
        with open(os.path.join(cls.dir, "package.json"), "w", encoding="utf-8") as f:
            f.write('{"type": "module"}\n')
        shutil.copy(os.path.join(LOAD_TEST, "load.js"), os.path.join(cls.dir, "load.js"))
        runner = os.path.join(cls.dir, "runner.js")
        with open(runner, "w", encoding="utf-8") as f:
            f.write(RUNNER)
        # 0 and just under 1 reach both ends of every random choice; 0.1 takes the usage read.
        env = {**os.environ, "LOAD_ENV": json.dumps({"K6_BASE_URL": "http://api:3000"}),
               "LOAD_SCRIPT": os.path.join(cls.dir, "load.js"), "RANDOMS": json.dumps([0, 0.1, 0.999999999])}
        result = subprocess.run([node, runner], cwd=cls.dir, env=env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"load.js under node failed:\n{result.stderr}")
        cls.outcome = json.loads(result.stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_every_request_has_the_originals_10s_timeout(self):
        self.assertGreaterEqual(len(self.outcome["requests"]), 5)
        for request in self.outcome["requests"]:
            self.assertEqual(request["params"]["timeout"], "10s", request)
            self.assertTrue(request["url"].startswith("http://api:3000/api/"), request)

    def test_events_carry_tokens_100_to_5099(self):
        posts = [json.loads(r["body"]) for r in self.outcome["requests"] if r["method"] == "POST"]
        tokens = [event["tokens"] for event in posts]
        self.assertEqual(min(tokens), 100)
        self.assertEqual(max(tokens), 5099)
        self.assertEqual({e["tenant"] for e in posts[:3]}, {"acme-corp", "initech-llc"})

    def test_one_in_five_iterations_reads_usage_and_every_iteration_sleeps_up_to_50ms(self):
        gets = [r for r in self.outcome["requests"] if r["method"] == "GET"]
        self.assertEqual([r["url"] for r in gets], ["http://api:3000/api/usage/acme-corp"] * 2)
        self.assertTrue(all(0 <= s <= 0.05 for s in self.outcome["sleeps"]))

    def test_checks_pass_on_good_answers_and_fail_on_bad_ones(self):
        good = self.outcome["checks"][: -2]
        self.assertTrue(good and all(c["passed"] for c in good), good)
        self.assertEqual(self.outcome["failedChecks"], ["POST /events status is 201", "POST /events has eventId"])

    def test_summary_prints_the_seed_block_line_for_line(self):
        self.assertTrue(self.outcome["pass"].startswith(SEED_BLOCK_PASS + "\n"), self.outcome["pass"])
        self.assertNotIn("WARNING", self.outcome["pass"])

    def test_summary_warns_when_p99_is_over_target(self):
        text = self.outcome["fail"]
        self.assertIn("P99 Latency: 612.35ms\n", text)
        self.assertIn("P99 Result: ✗ FAIL\n\nWARNING: P99 latency (612.35ms) exceeds target (200ms)\n", text)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
