#!/usr/bin/env python3
"""scripts/lib/cpu_budget.py: the per-request arithmetic, and real /proc and
wait4() readings of a child that burns a known amount of CPU."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SCRIPT = os.path.join(ROOT, "scripts", "lib", "cpu_budget.py")

sys.dont_write_bytecode = True  # no __pycache__ in scripts/lib
sys.path.insert(0, os.path.dirname(SCRIPT))
import cpu_budget  # noqa: E402

# Spins for 0.3 s of its own CPU time, then waits to be killed or exits.
BURN = "import sys, time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n" \
       "sys.stdout.write('done\\n'); sys.stdout.flush()\n" \
       "if sys.argv[1:] == ['wait']: sys.stdin.read()\n"


class BudgetArithmetic(unittest.TestCase):
    def test_per_request_and_per_event(self):
        before = {"flagmeter": {"cpu_ms": 1000, "context_switches": 10},
                  "postgres": {"cpu_ms": 500, "context_switches": 0}}
        after = {"flagmeter": {"cpu_ms": 3000, "context_switches": 2010},
                 "postgres": {"cpu_ms": 1300, "context_switches": 400}}
        result = cpu_budget.budget(before, after, requests=100_000, events=80_000,
                                   extra_parts={"wrk": {"cpu_ms": 900, "context_switches": 50}})
        self.assertEqual(result["parts"]["flagmeter"],
                         {"cpu_ms": 2000, "us_per_request": 20.0, "us_per_event": 25.0,
                          "context_switches": 2000, "context_switches_per_request": 0.02})
        self.assertEqual(result["parts"]["postgres"]["us_per_event"], 10.0)
        self.assertEqual(result["parts"]["wrk"]["us_per_request"], 9.0)
        self.assertEqual(list(result["parts"]), ["flagmeter", "postgres", "wrk"])

    def test_no_requests_gives_no_ratio(self):
        zero = {"x": {"cpu_ms": 0, "context_switches": 0}}
        result = cpu_budget.budget(zero, zero, requests=0, events=0)
        self.assertIsNone(result["parts"]["x"]["us_per_request"])
        self.assertIn("-", cpu_budget.format_table(result, "t"))


class ProcReadings(unittest.TestCase):
    def test_snapshot_sees_a_childs_cpu_and_a_tree_adds_children(self):
        child = subprocess.Popen([sys.executable, "-c", BURN, "wait"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(child.stdout.readline(), "done\n")
            alone = cpu_budget.snapshot([("child", child.pid, False)])["child"]
            self.assertGreaterEqual(alone["cpu_ms"], 250)
            self.assertGreater(alone["context_switches"], 0)
            # This process with its children includes the child's CPU.
            own = cpu_budget.snapshot([("me", os.getpid(), False)])["me"]["cpu_ms"]
            tree = cpu_budget.snapshot([("me", os.getpid(), True)])["me"]["cpu_ms"]
            self.assertGreaterEqual(tree - own, 250)
        finally:
            child.stdin.close()
            child.wait()

    def test_gone_process_reads_as_zero(self):
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        self.assertEqual(cpu_budget.snapshot([("gone", child.pid, False)])["gone"],
                         {"cpu_ms": 0, "context_switches": 0})

    def test_run_reports_the_commands_rusage_and_status(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "rusage.json")
            code = subprocess.call([sys.executable, "-B", SCRIPT, "run", "--out", out, "--", sys.executable, "-c",
                                    BURN + "sys.exit(7)\n"], stdout=subprocess.DEVNULL)
            self.assertEqual(code, 7)
            with open(out, encoding="utf-8") as f:
                usage = json.load(f)
            self.assertGreaterEqual(usage["cpu_ms"], 250)
            self.assertGreater(usage["context_switches"], 0)

    def test_report_prints_a_table_and_writes_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for name, cpu in (("before", 100), ("after", 350), ("wrk", 40)):
                paths[name] = os.path.join(tmp, name + ".json")
                with open(paths[name], "w", encoding="utf-8") as f:
                    json.dump({"flagmeter": {"cpu_ms": cpu, "context_switches": cpu}} if name != "wrk"
                              else {"cpu_ms": cpu, "context_switches": 4}, f)
            out = os.path.join(tmp, "budget.json")
            text = subprocess.check_output([sys.executable, "-B", SCRIPT, "report", "--before", paths["before"],
                                            "--after", paths["after"], "--part", "wrk=" + paths["wrk"],
                                            "--requests", "1000", "--events", "500", "--json", out], text=True)
            self.assertIn("flagmeter", text)
            self.assertIn("250.0", text)
            with open(out, encoding="utf-8") as f:
                result = json.load(f)
            self.assertEqual(result["parts"]["flagmeter"]["us_per_request"], 250.0)
            self.assertEqual(result["parts"]["wrk"]["us_per_event"], 80.0)


if __name__ == "__main__":
    unittest.main()
