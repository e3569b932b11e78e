#!/usr/bin/env python3
"""Draws the per-second samples of a scripts/bench results JSON as an SVG.

    bench_chart.py RESULTS.json [OUT.svg]      (default: RESULTS.svg)

One panel per quantity, stacked over a shared time axis: requests answered
per second, p99 latency, queue depth, then the RSS of flagmeter, PostgreSQL
and Valkey. The title names the command line and the commit of the run.
Standard library only; a new quantity is one more entry in PANELS.
"""

import json
import math
import re
import sys
from xml.sax.saxutils import escape

# Okabe-Ito colours: told apart by colour-blind readers too.
BLUE, ORANGE, GREEN, VERMILION, PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"

# id, title, y-axis unit, plot height in px, series (sample key, legend label,
# colour, factor from the sample's unit to the axis unit).
PANELS = [
    ("requests", "Requests answered per second", "req/s", 130,
     [("requests_per_second", "flagmeter, all routes", BLUE, 1)]),
    ("p99", "p99 latency over each second, server side", "ms", 130,
     [("p99_ms", "flagmeter p99", VERMILION, 1)]),
    ("queue", "Queue", "events", 130,
     [("queue_depth", "waiting in Valkey", GREEN, 1), ("queue_inflight", "taken by workers", ORANGE, 1)]),
    ("rss-flagmeter", "flagmeter resident memory", "MB", 90,
     [("flagmeter_kb", "flagmeter", BLUE, 1 / 1024)]),
    ("rss-postgres", "PostgreSQL resident memory, all its processes summed", "MB", 90,
     [("postgres_kb", "PostgreSQL", PURPLE, 1 / 1024)]),
    ("rss-valkey", "Valkey resident memory", "MB", 90,
     [("valkey_kb", "Valkey", GREEN, 1 / 1024)]),
]

CAPTION = (
    "Sampled once a second by scripts/bench. Requests and p99 come from flagmeter's own /metrics: "
    "requests answered, whatever their status, the sampler's scrapes left out; p99 of "
    "flagmeter_http_request_duration_seconds over the last second, interpolated within the histogram's "
    "buckets, so a p99 close to a bound (10, 25, 50, 100 ms) is only known to lie in that bucket; it is the time "
    "inside flagmeter, not what the client waits. Queue: flagmeter_queue_depth and "
    "flagmeter_queue_inflight. Resident memory from /proc; PostgreSQL's sum counts its shared buffers "
    "once per process."
)

WIDTH = 1000
LEFT, RIGHT = 84, 210          # room for y tick labels and for the legends
HEADER = 78
PANEL_TITLE = 26               # above each plot area
PANEL_GAP = 16                 # below each plot area (x tick labels of the last one)
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def nice_step(span, target):
    """A 1-2-5 step that cuts span into about target parts."""
    raw = span / max(target, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def time_step(span):
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if span / step <= 10:
            return step
    return nice_step(span, 10)


def number(value):
    """A tick or legend number: thousands separated, no needless decimals."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def text(x, y, content, size=12, anchor="start", fill="#222", weight=None, extra=""):
    weight_attr = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f'{weight_attr}{extra}>{escape(str(content))}</text>')


def load_text(load_average):
    """The 1-minute load average before the run: others' work on the same cores."""
    if isinstance(load_average, list) and load_average:
        return f"load average {load_average[0]:.2f} before the run"
    return ""


def segments(points):
    """Splits [(t, value or None)] at the gaps into runs of points."""
    runs, run = [], []
    for t, value in points:
        if value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((t, value))
    return runs + ([run] if run else [])


def panel(spec, samples, top, t_max, x_of, x_ticks):
    panel_id, title, unit, height, series = spec
    plot_top = top + PANEL_TITLE
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    data = []
    for key, label, colour, factor in series:
        points = [(s["t"], None if s.get(key) is None else s[key] * factor)
                  for s in samples if s.get("t") is not None]
        data.append((key, label, colour, points))
    values = [v for *_, points in data for _, v in points if v is not None]
    peak = max(values) if values else 0
    step = nice_step(peak, 4) if peak > 0 else 1
    y_max = step * math.ceil(peak / step) if peak > 0 else 1
    if peak > 0 and y_max - peak < step * 0.2:
        y_max += step  # keeps the peak off the top edge

    def y_of(v):
        return plot_top + height - (v / y_max) * height

    out = [f'<g id="panel-{panel_id}" class="panel">']
    out.append(text(plot_left, top + 17, title, size=13, weight="bold"))
    out.append(f'<rect x="{plot_left}" y="{plot_top}" width="{plot_right - plot_left}" height="{height}" '
               f'fill="#fafafa" stroke="#bbb"/>')
    for t in x_ticks:
        x = x_of(t)
        out.append(f'<line x1="{x:.1f}" y1="{plot_top}" x2="{x:.1f}" y2="{plot_top + height}" stroke="#e4e4e4"/>')
    tick = 0.0
    while tick <= y_max + step * 1e-9:
        y = y_of(tick)
        out.append(f'<line x1="{plot_left}" y1="{y:.1f}" x2="{plot_right}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(text(plot_left - 6, y + 4, number(tick), size=11, anchor="end", fill="#555"))
        tick += step
    axis_x, axis_y = 18, plot_top + height / 2
    out.append(text(axis_x, axis_y, unit, size=12, anchor="middle", fill="#333",
                    extra=f' transform="rotate(-90 {axis_x} {axis_y:.1f})"'))
    out.append(f'<g class="series" clip-path="url(#clip-{panel_id})">')
    out.append(f'<clipPath id="clip-{panel_id}"><rect x="{plot_left}" y="{plot_top - 1}" '
               f'width="{plot_right - plot_left}" height="{height + 2}"/></clipPath>')
    for key, label, colour, points in data:
        for run in segments(points):
            coords = " ".join(f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in run)
            if len(run) == 1:
                x, y = coords.split(",")
                out.append(f'<circle data-key="{key}" cx="{x}" cy="{y}" r="1.8" fill="{colour}"/>')
            else:
                out.append(f'<polyline data-key="{key}" points="{coords}" fill="none" stroke="{colour}" '
                           f'stroke-width="1.6" stroke-linejoin="round"/>')
    out.append("</g>")
    if not values:
        out.append(text((plot_left + plot_right) / 2, plot_top + height / 2 + 4, "no samples",
                        size=12, anchor="middle", fill="#888"))
    out.append('<g class="legend">')
    legend_x, legend_y = plot_right + 14, plot_top + 14
    for key, label, colour, points in data:
        series_values = [v for _, v in points if v is not None]
        out.append(f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 20}" y2="{legend_y - 4}" '
                   f'stroke="{colour}" stroke-width="3"/>')
        out.append(text(legend_x + 26, legend_y, label, size=12))
        peak_text = f"peak {number(max(series_values))} {unit}" if series_values else "no samples"
        out.append(text(legend_x + 26, legend_y + 15, peak_text, size=11, fill="#666"))
        legend_y += 36
    out.append("</g>")
    out.append("</g>")
    return out, plot_top + height


def render(results):
    samples = [s for s in results.get("samples", []) if isinstance(s, dict)]
    command = results.get("command") or "scripts/bench"
    commit = results.get("commit") or "unknown"
    machine = results.get("machine") or {}
    t_max = max([s["t"] for s in samples if s.get("t") is not None] + [1])
    step = time_step(t_max)
    x_ticks = [i * step for i in range(int(t_max // step) + 1)]
    plot_left, plot_right = LEFT, WIDTH - RIGHT

    def x_of(t):
        return plot_left + (t / t_max) * (plot_right - plot_left)

    caption = wrap(CAPTION, 140)
    height = HEADER + sum(PANEL_TITLE + spec[3] + PANEL_GAP for spec in PANELS) + 50 + 15 * len(caption)
    title = f"{command} (commit {commit})"
    started = results.get("started_at", "")
    stamp = re.fullmatch(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)\d\dZ", started)
    if stamp:
        started = "{}-{}-{} {}:{} UTC".format(*stamp.groups())
    subtitle_parts = [f"started {started}" if started else "",
                      f"{machine.get('cores')} cores" if machine.get("cores") else "",
                      machine.get("cpu", ""), load_text(machine.get("load_average_before")),
                      f"{len(samples)} samples, one a second"]
    subtitle = " · ".join(p for p in subtitle_parts if p)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}">',
           f"<title>{escape('FlagMeter benchmark: ' + title)}</title>",
           f"<desc>{escape(CAPTION)}</desc>",
           f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
           '<g id="header">',
           text(plot_left, 30, f"FlagMeter benchmark: {title}", size=17, weight="bold"),
           text(plot_left, 52, subtitle, size=12, fill="#555"),
           "</g>"]
    top = HEADER
    bottom = top
    for spec in PANELS:
        lines, bottom = panel(spec, samples, top, t_max, x_of, x_ticks)
        out += lines
        top = bottom + PANEL_GAP
    out.append('<g id="x-axis">')
    for t in x_ticks:
        out.append(text(x_of(t), bottom + 15, number(t), size=11, anchor="middle", fill="#555"))
    out.append(text((plot_left + plot_right) / 2, bottom + 34, "seconds since the start of the run (s)",
                    size=12, anchor="middle", fill="#333"))
    out.append("</g>")
    out.append('<g id="caption">')
    for i, line in enumerate(caption):
        out.append(text(plot_left, bottom + 58 + 15 * i, line, size=11, fill="#555"))
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) not in (2, 3) or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    source = argv[1]
    target = argv[2] if len(argv) == 3 else (source[:-5] if source.endswith(".json") else source) + ".svg"
    with open(source, encoding="utf-8") as f:
        results = json.load(f)
    svg = render(results)
    with open(target, "w", encoding="utf-8") as f:
        f.write(svg)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
