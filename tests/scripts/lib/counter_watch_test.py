#!/usr/bin/env python3
"""scripts/lib/counter_watch.py: reading one counter off a /metrics page, and
runs against a loopback server whose counter grows, or never reaches the
target."""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
WATCH = os.path.join(ROOT, "scripts", "lib", "counter_watch.py")

sys.dont_write_bytecode = True  # no __pycache__ in scripts/lib
sys.path.insert(0, os.path.dirname(WATCH))
import counter_watch  # noqa: E402
from metrics_page_server import MetricsPageServer  # noqa: E402 (this folder)

NAME = "flagmeter_events_persisted_total"


class Counter(unittest.TestCase):
    def test_reads_the_unlabelled_sample_of_that_name_only(self):
        text = "\n".join([
            f"# TYPE {NAME} counter",
            f"{NAME}_other 9",
            f'{NAME}{{shard="1"}} 7',
            f"{NAME} 1.5e+06",
            "flagmeter_queue_depth 3",
        ])
        self.assertEqual(counter_watch.counter(text, NAME), 1500000)

    def test_an_absent_counter_is_zero(self):
        self.assertEqual(counter_watch.counter("flagmeter_queue_depth 3\n", NAME), 0)


class Runs(unittest.TestCase):
    def setUp(self):
        # Each scrape sees the counter 100 higher, starting at 1000.
        self.server = MetricsPageServer(lambda scrapes: f"{NAME} {1000 + 100 * scrapes}\n")

    def tearDown(self):
        self.server.close()

    def watch(self, target, timeout):
        return subprocess.run(
            [sys.executable, "-B", WATCH, "--url", f"http://127.0.0.1:{self.server.port}",
             "--metric", NAME, "--start", "1000", "--target", str(target), "--interval", "0.01",
             "--timeout", str(timeout)], capture_output=True, text=True, timeout=30)

    def test_prints_when_the_counter_first_grew_and_reached_the_target(self):
        run = self.watch(target=300, timeout=20)
        self.assertEqual(run.returncode, 0, run.stderr)
        first, done, last, grown = run.stdout.split()
        self.assertLess(float(first), float(done))  # first grew on the second scrape, reached on the fourth
        self.assertEqual(done, last)
        self.assertEqual(grown, "300")
        self.assertEqual(self.server.scrapes, 4)

    def test_a_target_never_reached_ends_at_the_timeout_with_no_done_time(self):
        run = self.watch(target=10**9, timeout=0.3)
        self.assertEqual(run.returncode, 1)
        first, done, last, grown = run.stdout.split()
        self.assertNotEqual(first, "-")
        self.assertEqual(done, "-")
        self.assertGreaterEqual(float(last), float(first))
        self.assertGreater(int(grown), 0)


if __name__ == "__main__":
    unittest.main()
