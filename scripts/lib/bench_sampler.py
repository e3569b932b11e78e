#!/usr/bin/env python3
"""Per-second samples of a scripts/bench run, one JSON object a line.

    bench_sampler.py --metrics-url URL --out FILE
                     [--process NAME=PID]... [--process-tree NAME=PID]...

Every second it scrapes flagmeter's /metrics once and reads the resident
memory of the given processes from /proc, and appends one line such as

    {"t": 3.0, "requests_per_second": 21500.0, "p99_ms": 18.2,
     "queue_depth": 412, "queue_inflight": 1000,
     "flagmeter_kb": 31200, "postgres_kb": 512000, "valkey_kb": 10800}

t is seconds since the sampler started. Rates and p99 cover the time since
the previous scrape, so the first line has them null; a probe that fails
gives null, not the end of the run. --process-tree sums a process and its
children (PostgreSQL's postmaster and backends).

It shares the cores with the benchmark, so it stays one process without
forks: a kept-alive HTTP connection and a few /proc reads a second. Each
quantity comes from a probe (a class with sample(now, row)); a probe sees
the fields earlier probes put into the row, so a derived figure (CPU per
request, say) is one more probe at the end of the list.
"""

import argparse
import http.client
import json
import os
import re
import time
import urllib.parse

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

REQUESTS = "flagmeter_http_requests_total"
DURATION_BUCKET = "flagmeter_http_request_duration_seconds_bucket"
GAUGES = {"flagmeter_queue_depth": "queue_depth", "flagmeter_queue_inflight": "queue_inflight"}
# The sampler's own scrapes are not part of the load.
IGNORED_ROUTES = {"/metrics"}

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Reduces a /metrics page to what the chart needs.

    Returns {"requests": total over every series but IGNORED_ROUTES,
             "buckets": {upper bound in seconds: cumulative count summed over routes},
             "queue_depth": ..., "queue_inflight": ...} (gauges only when present).
    """
    result = {"requests": 0.0, "buckets": {}}
    for line in text.splitlines():
        if not line.startswith("flagmeter_"):
            continue
        match = LINE.match(line)
        if not match:
            continue
        name, labels_text, value_text = match.groups()
        try:
            value = float(value_text)
        except ValueError:
            continue
        if name in GAUGES:
            result[GAUGES[name]] = value
            continue
        if name not in (REQUESTS, DURATION_BUCKET):
            continue
        labels = dict(LABEL.findall(labels_text or ""))
        if labels.get("route") in IGNORED_ROUTES:
            continue
        if name == REQUESTS:
            result["requests"] += value
        else:
            bound = float(labels.get("le", "nan"))  # "+Inf" parses as inf
            result["buckets"][bound] = result["buckets"].get(bound, 0.0) + value
    return result


def quantile(q, bucket_counts):
    """The q-quantile of observations given as {upper bound: cumulative count},
    interpolated linearly inside its bucket as Prometheus's histogram_quantile
    does; None without observations. A rank in the +Inf bucket gives the
    largest finite bound."""
    bounds = sorted(bucket_counts)
    if not bounds or bucket_counts[bounds[-1]] <= 0:
        return None
    rank = q * bucket_counts[bounds[-1]]
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = bucket_counts[bound]
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return lower_bound


class MetricsProbe:
    """requests_per_second, p99_ms, queue_depth and queue_inflight from /metrics."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = parts.path or "/metrics"
        self.connection = None
        self.previous = None  # (time, parsed page) of the last good scrape

    def fetch(self):
        for attempt in (1, 2):  # the server may have closed a kept-alive connection
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.host, self.port, timeout=1)
                self.connection.request("GET", self.path)
                response = self.connection.getresponse()
                body = response.read()
                if response.status != 200:
                    return None
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return body.decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    return None
        return None

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def sample(self, now, row):
        row.update(requests_per_second=None, p99_ms=None, queue_depth=None, queue_inflight=None)
        text = self.fetch()
        if text is None:
            return
        page = parse_metrics(text)
        for key in GAUGES.values():
            if key in page:
                row[key] = int(page[key])
        if self.previous is not None:
            then, before = self.previous
            requests = page["requests"] - before["requests"]
            if requests >= 0 and now > then:
                row["requests_per_second"] = round(requests / (now - then), 1)
            deltas = {b: c - before["buckets"].get(b, 0.0) for b, c in page["buckets"].items()}
            if all(d >= 0 for d in deltas.values()):
                p99 = quantile(0.99, deltas)
                row["p99_ms"] = None if p99 is None else round(p99 * 1000, 3)
        self.previous = (now, page)


def rss_kb(pid):
    """Resident set of one process in kB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as f:
            return [int(child) for child in f.read().split()]
    except (OSError, ValueError):
        return []


class RssProbe:
    """<name>_kb: resident memory of a process, or of it and its children."""

    def __init__(self, name, pid, tree):
        self.key, self.pid, self.tree = f"{name}_kb", pid, tree

    def sample(self, now, row):
        pids = [self.pid] + (children(self.pid) if self.tree else [])
        row[self.key] = sum(rss_kb(pid) for pid in pids)


def named_pid(text):
    name, _, pid = text.partition("=")
    if not name or not pid.isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=PID, got {text!r}")
    return name, int(pid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--metrics-url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--process", type=named_pid, action="append", default=[])
    parser.add_argument("--process-tree", type=named_pid, action="append", default=[])
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()

    probes = [MetricsProbe(args.metrics_url)]
    probes += [RssProbe(name, pid, tree=False) for name, pid in args.process]
    probes += [RssProbe(name, pid, tree=True) for name, pid in args.process_tree]

    # One write() per line, so a SIGTERM (how scripts/bench stops us) never
    # leaves half a line behind.
    out = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    start = time.monotonic()
    tick = 0
    while True:
        now = time.monotonic()
        row = {"t": round(now - start, 2)}
        for probe in probes:
            probe.sample(now, row)
        os.write(out, (json.dumps(row) + "\n").encode())
        # Next whole interval after now: a slow scrape skips a tick rather
        # than bunching the following samples together.
        tick = max(tick + 1, int((time.monotonic() - start) / args.interval) + 1)
        time.sleep(max(0.0, start + tick * args.interval - time.monotonic()))


if __name__ == "__main__":
    main()
