#!/usr/bin/env python3
"""Times a counter of flagmeter's /metrics as it grows to a target: when it
first grew and when it reached the target (the drain benchmark's clock).

    counter_watch.py --url BASE --metric NAME --start S --target N
                     [--interval SECONDS] [--timeout SECONDS]

Polls BASE/metrics every --interval over one kept-alive connection, all in
this one process: a shell loop of curl, awk and date starts four processes
per poll, which took about a seventh of the two cores away from the drain it
was timing. Prints one line, "FIRST DONE LAST VALUE": the wall-clock times
(seconds since the epoch, as `date +%s.%N` prints them) of the first poll
that saw the counter above S and of the first that saw it at S + N or more
("-" when that never happened before --timeout), of the last poll, and the
counter's growth then. Exits 0 once the target is reached, 1 on timeout.
"""

import argparse
import http.client
import sys
import time
import urllib.parse


def read_counter(connection, name):
    """The value of the sample line `NAME VALUE` (0 when absent)."""
    connection.request("GET", "/metrics")
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise OSError(f"/metrics answered {response.status}")
    value = 0.0
    prefix = name.encode() + b" "
    for line in body.splitlines():
        if line.startswith(prefix):
            value = float(line.split()[1])
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
    connection = None
    first = done = None
    grown = 0.0
    last = time.time()
    give_up = last + args.timeout
    while True:
        try:
            if connection is None:
                connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
            grown = read_counter(connection, args.metric) - args.start
        except (OSError, http.client.HTTPException) as error:
            print(f"counter_watch: {args.url}/metrics: {error}; retrying", file=sys.stderr)
            if connection is not None:
                connection.close()
            connection = None
        last = time.time()
        if first is None and grown > 0:
            first = last
        if grown >= args.target:
            done = last
            break
        if last >= give_up:
            break
        time.sleep(args.interval)

    def stamp(t):
        return "-" if t is None else f"{t:.6f}"

    print(stamp(first), stamp(done), stamp(last), f"{grown:.0f}")
    return 0 if done is not None else 1


if __name__ == "__main__":
    sys.exit(main())
