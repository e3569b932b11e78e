#!/usr/bin/env python3
"""Times a counter of flagmeter's /metrics as it grows to a target: when it
first grew and when it reached the target (the drain benchmark's clock).

    counter_watch.py --url BASE --metric NAME --start S --target N
                     [--interval SECONDS] [--timeout SECONDS]

Polls BASE/metrics every --interval over one kept-alive connection (the
sampler's MetricsProbe, scripts/lib/bench_sampler.py), all in this one
process: a shell loop of curl, awk and date starts four processes
per poll, which took about a seventh of the two cores away from the drain it
was timing. Prints one line, "FIRST DONE LAST VALUE": the wall-clock times
(seconds since the epoch, as `date +%s.%N` prints them) of the first poll
that saw the counter above S and of the first that saw it at S + N or more
("-" when that never happened before --timeout), of the last poll, and the
counter's growth then. Exits 0 once the target is reached, 1 on timeout.
"""

import argparse
import sys
import time
import urllib.parse

from bench_sampler import LINE, MetricsProbe  # the sampler's /metrics client and line syntax


def counter(text, name):
    """The value of the unlabelled sample `NAME VALUE` of a /metrics page (0 when absent)."""
    value = 0.0
    for line in text.splitlines():
        match = LINE.match(line)
        if match and match.group(1) == name and match.group(2) is None:
            value = float(match.group(3))
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="flagmeter's base URL, http://host:port")
    parser.add_argument("--metric", required=True)
    parser.add_argument("--start", type=float, required=True, help="the counter's value before")
    parser.add_argument("--target", type=float, required=True, help="growth to wait for")
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or not url.hostname:
        parser.error(f"--url must be http://host:port, not {args.url!r}")
    probe = MetricsProbe(args.url.rstrip("/") + "/metrics")
    first = done = None
    grown = 0.0
    last = time.time()
    give_up = last + args.timeout
    while True:
        text = probe.fetch()
        if text is None:
            print(f"counter_watch: {args.url}/metrics did not answer; retrying", file=sys.stderr)
        else:
            grown = counter(text, args.metric) - args.start
        last = time.time()
        if first is None and grown > 0:
            first = last
        if grown >= args.target:
            done = last
            break
        if last >= give_up:
            break
        time.sleep(args.interval)

    probe.close()

    def stamp(t):
        return "-" if t is None else f"{t:.6f}"

    print(stamp(first), stamp(done), stamp(last), f"{grown:.0f}")
    return 0 if done is not None else 1


if __name__ == "__main__":
    sys.exit(main())
