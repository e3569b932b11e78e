#!/usr/bin/env python3
"""scripts/lib/bench_sampler.py: the /metrics arithmetic, and a short run
against a loopback server that serves growing counters."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SAMPLER = os.path.join(ROOT, "scripts", "lib", "bench_sampler.py")

sys.dont_write_bytecode = True  # no __pycache__ in scripts/lib
sys.path.insert(0, os.path.dirname(SAMPLER))
import bench_sampler  # noqa: E402
from metrics_page_server import MetricsPageServer  # noqa: E402 (this folder)

BOUNDS = ["0.001", "0.01", "0.1", "+Inf"]


def page(events, metrics_scrapes, event_buckets, depth):
    """A /metrics page in prometheus-cpp's format: POST /api/events with the
    given cumulative bucket counts, and the scrapes of /metrics themselves."""
    lines = [
        "# TYPE flagmeter_http_requests_total counter",
        f'flagmeter_http_requests_total{{method="POST",route="/api/events",status="201"}} {events}',
        f'flagmeter_http_requests_total{{method="GET",route="/metrics",status="200"}} {metrics_scrapes}',
        "# TYPE flagmeter_http_request_duration_seconds histogram",
    ]
    for bound, count in zip(BOUNDS, event_buckets):
        lines.append(f'flagmeter_http_request_duration_seconds_bucket{{method="POST",route="/api/events",'
                     f'le="{bound}"}} {count}')
    for bound in BOUNDS:
        lines.append(f'flagmeter_http_request_duration_seconds_bucket{{method="GET",route="/metrics",'
                     f'le="{bound}"}} {metrics_scrapes}')
    lines += [f"flagmeter_queue_depth {depth}", "flagmeter_queue_inflight 7", "flagmeter_events_accepted_total 5"]
    return "\n".join(lines) + "\n"


class Arithmetic(unittest.TestCase):
    def test_parse_sums_requests_and_buckets_leaving_out_the_scrapes(self):
        parsed = bench_sampler.parse_metrics(page(1000, 50, [100, 900, 990, 1000], 12))
        self.assertEqual(parsed["requests"], 1000)
        self.assertEqual(parsed["buckets"], {0.001: 100, 0.01: 900, 0.1: 990, float("inf"): 1000})
        self.assertEqual(parsed["queue_depth"], 12)
        self.assertEqual(parsed["queue_inflight"], 7)

    def test_quantile_interpolates_within_the_bucket(self):
        # 1000 observations: rank 990 is the top of the 0.1 bucket; rank 500
        # is half-way through the 0.001..0.01 bucket (800 observations).
        buckets = {0.001: 100, 0.01: 900, 0.1: 990, float("inf"): 1000}
        self.assertAlmostEqual(bench_sampler.quantile(0.99, buckets), 0.1)
        self.assertAlmostEqual(bench_sampler.quantile(0.5, buckets), 0.001 + 0.009 * 400 / 800)
        self.assertAlmostEqual(bench_sampler.quantile(0.05, buckets), 0.0005)

    def test_quantile_in_the_open_bucket_is_the_largest_bound(self):
        self.assertEqual(bench_sampler.quantile(0.99, {0.001: 0, 0.1: 50, float("inf"): 100}), 0.1)

    def test_quantile_without_observations_is_none(self):
        self.assertIsNone(bench_sampler.quantile(0.99, {0.001: 0, float("inf"): 0}))
        self.assertIsNone(bench_sampler.quantile(0.99, {}))


def growing_page(scrapes):
    """Each scrape sees 100 more events, all of them between 1 and 10 ms."""
    events = 100 * scrapes
    return page(events, scrapes, [0, events, events, events], 3)


class ShortRun(unittest.TestCase):
    def test_writes_one_line_per_interval_with_rates_from_the_second_on(self):
        server = MetricsPageServer(growing_page)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "samples.jsonl")
            sampler = subprocess.Popen([
                sys.executable, "-B", SAMPLER, "--metrics-url", f"http://127.0.0.1:{server.port}/metrics",
                "--out", out, "--interval", "0.1", "--process", f"self={os.getpid()}",
                "--process-tree", f"tree={os.getpid()}"])
            try:
                deadline = time.monotonic() + 10
                rows = []
                while len(rows) < 4 and time.monotonic() < deadline:
                    time.sleep(0.05)
                    if os.path.exists(out):
                        with open(out, encoding="utf-8") as f:
                            rows = [json.loads(line) for line in f]
            finally:
                sampler.terminate()
                sampler.wait(timeout=10)
                server.close()
        self.assertGreaterEqual(len(rows), 4)
        self.assertIsNone(rows[0]["requests_per_second"])
        self.assertIsNone(rows[0]["p99_ms"])
        times = [row["t"] for row in rows]
        self.assertEqual(times, sorted(times))
        for row in rows[1:4]:
            self.assertGreater(row["requests_per_second"], 0)
            # Every event took 1..10 ms: the 99th percentile lies in that bucket.
            self.assertGreater(row["p99_ms"], 1)
            self.assertLessEqual(row["p99_ms"], 10)
        for row in rows:
            self.assertEqual(row["queue_depth"], 3)
            self.assertEqual(row["queue_inflight"], 7)
            self.assertGreater(row["self_kb"], 0)
            self.assertGreaterEqual(row["tree_kb"], row["self_kb"])


if __name__ == "__main__":
    unittest.main()
