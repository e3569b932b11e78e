#!/usr/bin/env python3
"""scripts/lib/bench_chart.py draws a well-formed SVG with every panel from a
fixture of scripts/bench samples (bench_results.json beside this file)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CHART = os.path.join(ROOT, "scripts", "lib", "bench_chart.py")
FIXTURE = os.path.join(HERE, "bench_results.json")
SVG = "{http://www.w3.org/2000/svg}"

PANELS = {
    "requests": ["requests_per_second"],
    "p99": ["p99_ms"],
    "queue": ["queue_depth", "queue_inflight"],
    "rss-flagmeter": ["flagmeter_kb"],
    "rss-postgres": ["postgres_kb"],
    "rss-valkey": ["valkey_kb"],
}


def draw(results_path, svg_path):
    """Runs the chart writer as scripts/bench does; returns the parsed SVG root."""
    subprocess.run([sys.executable, CHART, results_path, svg_path], check=True, capture_output=True)
    return ET.parse(svg_path).getroot()


def texts(element):
    return ["".join(t.itertext()) for t in element.iter(SVG + "text")]


def by_id(root, element_id):
    found = [e for e in root.iter() if e.get("id") == element_id]
    return found[0] if found else None


class ChartFromFixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = draw(FIXTURE, os.path.join(cls.tmp.name, "chart.svg"))
        with open(FIXTURE, encoding="utf-8") as f:
            cls.samples = json.load(f)["samples"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_is_an_svg_with_its_size(self):
        self.assertEqual(self.root.tag, SVG + "svg")
        self.assertGreater(float(self.root.get("width")), 0)
        self.assertGreater(float(self.root.get("height")), 0)

    def test_title_names_the_command_and_the_commit(self):
        header = " ".join(texts(by_id(self.root, "header")))
        self.assertIn("scripts/bench --short", header)
        self.assertIn("70a40fa", header)
        self.assertIn("2026-12-02 17:05 UTC", header)
        self.assertIn("load average 1.50 before the run", header)
        self.assertIn("scripts/bench --short", self.root.find(SVG + "title").text)

    def test_every_panel_is_drawn_stacked_with_a_unit_and_a_legend(self):
        tops = []
        for panel_id, keys in PANELS.items():
            with self.subTest(panel=panel_id):
                panel = by_id(self.root, "panel-" + panel_id)
                self.assertIsNotNone(panel, panel_id)
                plot = panel.find(SVG + "rect")
                tops.append(float(plot.get("y")))
                labels = texts(panel)
                self.assertTrue(any(unit in labels for unit in ("req/s", "ms", "events", "MB")), labels)
                legend = [g for g in panel.iter(SVG + "g") if g.get("class") == "legend"]
                self.assertEqual(len(legend), 1)
                self.assertEqual(len([t for t in texts(legend[0]) if t.startswith("peak ")]), len(keys))
                drawn = {line.get("data-key") for line in panel.iter(SVG + "polyline")}
                self.assertEqual(drawn, set(keys))
        self.assertEqual(tops, sorted(tops), "panels are stacked top to bottom in order")

    def test_lines_stay_inside_their_plot_and_break_at_missing_samples(self):
        panel = by_id(self.root, "panel-p99")
        plot = panel.find(SVG + "rect")
        x0, y0 = float(plot.get("x")), float(plot.get("y"))
        x1, y1 = x0 + float(plot.get("width")), y0 + float(plot.get("height"))
        lines = list(panel.iter(SVG + "polyline"))
        # The fixture's first sample has no p99 and sample 17 is a failed scrape.
        self.assertEqual(len(lines), 2)
        points = [tuple(map(float, p.split(","))) for line in lines for p in line.get("points").split()]
        self.assertEqual(len(points), sum(1 for s in self.samples if s["p99_ms"] is not None))
        for x, y in points:
            self.assertTrue(x0 <= x <= x1 and y0 <= y <= y1, (x, y))

    def test_legend_gives_the_peak_in_the_axis_unit(self):
        legend = " ".join(texts(by_id(self.root, "panel-rss-postgres")))
        peak_mb = max(s["postgres_kb"] for s in self.samples) / 1024
        self.assertIn(f"peak {peak_mb:,.0f} MB", legend)

    def test_time_axis_is_labelled_in_seconds(self):
        axis = texts(by_id(self.root, "x-axis"))
        self.assertTrue(any("(s)" in t for t in axis), axis)
        self.assertIn("0", axis)


class ChartWithoutSamples(unittest.TestCase):
    def test_still_draws_every_panel_saying_there_are_no_samples(self):
        with tempfile.TemporaryDirectory() as tmp:
            results = os.path.join(tmp, "results.json")
            with open(results, "w", encoding="utf-8") as f:
                json.dump({"commit": "abc1234", "samples": []}, f)
            root = draw(results, os.path.join(tmp, "results.svg"))
        for panel_id in PANELS:
            panel = by_id(root, "panel-" + panel_id)
            self.assertIsNotNone(panel, panel_id)
            self.assertIn("no samples", texts(panel))


if __name__ == "__main__":
    unittest.main()
