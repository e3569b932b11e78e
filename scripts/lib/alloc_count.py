#!/usr/bin/env python3
"""Heap allocations per request, per thread, from the counts file of the
alloc_count preload library (tools/alloc_count/alloc_count.c).

    alloc_count.py send --port P --route R --tenant T --requests N
    alloc_count.py snapshot FILE PID          > snapshot.json
    alloc_count.py report --before F --after F --requests N [--events E]
                          [--title T] [--json FILE]

send sends exactly N requests of route R (single: POST /api/events with
one event; batch: with an array of 100; usage: GET /api/usage/T) on one
keep-alive connection to 127.0.0.1:P, each after the previous answer, with
the headers wrk sends (Host, Content-Type, Content-Length); it fails when
an answer is not 201 (POST) or 200 (GET).

snapshot reads the counts of every thread of process PID that ever
allocated (threads that exited keep theirs) and names each thread from
/proc/PID/task/TID/comm. report subtracts two snapshots and prints, per
group of threads (the name without its trailing -<number>: fm-io-0 and
fm-io-1 are `fm-io`), the allocations (malloc, calloc, the aligned
allocators, operator new; realloc of a live block counted apart), frees
and bytes asked for, per request and, with --events, per event.
--json writes the same figures as JSON.
"""

import argparse
import json
import re
import socket
import struct
import sys

MAGIC = 0x31434C41434D4646
HEADER = struct.Struct("<QQQQ")  # magic, slot count, slots used, reserved
SLOT = struct.Struct("<qQQQQ")  # tid, allocations, reallocations, frees, bytes
FIELDS = ("allocations", "reallocations", "frees", "bytes")


FEATURES = ("gpt-4-turbo", "gpt-4o", "claude-3-opus", "claude-3-sonnet")


def request_bytes(route, tenant, port):
    host = f"Host: 127.0.0.1:{port}\r\n"
    if route == "usage":
        return f"GET /api/usage/{tenant} HTTP/1.1\r\n{host}\r\n".encode(), 200
    if route == "single":
        body = f'{{"tenant":"{tenant}","feature":"gpt-4o","tokens":1000}}'
    else:
        body = "[" + ",".join(f'{{"tenant":"{tenant}","feature":"{FEATURES[i % 4]}","tokens":1000}}'
                              for i in range(100)) + "]"
    head = (f"POST /api/events HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return (head + body).encode(), 201


def send(port, route, tenant, requests):
    """Sends `requests` requests one after the other; returns the statuses seen."""
    request, expected = request_bytes(route, tenant, port)
    statuses = {}
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        for _ in range(requests):
            connection.sendall(request)
            while b"\r\n\r\n" not in pending:
                chunk = connection.recv(65536)
                if not chunk:
                    sys.exit("alloc_count.py: the server closed the connection")
                pending += chunk
            head, pending = pending.split(b"\r\n\r\n", 1)
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
            while len(pending) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    sys.exit("alloc_count.py: the server closed the connection")
                pending += chunk
            pending = pending[length:]
            statuses[status] = statuses.get(status, 0) + 1
    unexpected = requests - statuses.get(expected, 0)
    if unexpected:
        sys.exit(f"alloc_count.py: {unexpected} of {requests} answers were not {expected}: {statuses}")
    return statuses


def thread_name(pid, tid):
    try:
        with open(f"/proc/{pid}/task/{tid}/comm", encoding="utf-8", errors="replace") as comm:
            return comm.read().strip()
    except OSError:
        return "(exited)"


def snapshot(path, pid):
    with open(path, "rb") as counts:
        data = counts.read()
    magic, slot_count, used, _ = HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        sys.exit(f"alloc_count.py: {path} is not an alloc_count file (was the library preloaded?)")
    threads = []
    for index in range(min(used, slot_count)):
        tid, *values = SLOT.unpack_from(data, HEADER.size + index * SLOT.size)
        if tid == 0:
            continue  # a slot being claimed right now
        threads.append({"tid": tid, "name": thread_name(pid, tid), **dict(zip(FIELDS, values))})
    return {"pid": pid, "threads": threads}


def group_of(name):
    return re.sub(r"-\d+$", "", name)


def report(before, after, requests, events):
    """{group: {field: delta}} over the threads of `after`, plus "all"."""
    earlier = {t["tid"]: t for t in before["threads"]}
    groups = {}
    for thread in after["threads"]:
        old = earlier.get(thread["tid"], {})
        name = group_of(thread["name"])
        if thread["name"] == "(exited)" and thread["tid"] in earlier:
            name = group_of(earlier[thread["tid"]]["name"])
        group = groups.setdefault(name, {field: 0 for field in FIELDS})
        for field in FIELDS:
            group[field] += thread[field] - old.get(field, 0)
    groups = {name: values for name, values in groups.items() if any(values.values())}
    groups["all"] = {field: sum(g[field] for g in groups.values()) for field in FIELDS}
    result = {}
    for name, values in groups.items():
        entry = dict(values)
        entry["allocations_per_request"] = values["allocations"] / requests if requests else None
        entry["frees_per_request"] = values["frees"] / requests if requests else None
        entry["bytes_per_request"] = values["bytes"] / requests if requests else None
        if events:
            entry["allocations_per_event"] = values["allocations"] / events
        result[name] = entry
    return {"requests": requests, "events": events, "groups": result}


def print_report(title, figures):
    print(f"{title} ({figures['requests']} requests"
          + (f", {figures['events']} events)" if figures["events"] else ")"))
    print(f"  {'threads':<18} {'allocations':>12} {'per request':>12} {'frees/req':>10} {'reallocs':>9} {'bytes/req':>10}")
    groups = figures["groups"]
    order = sorted((name for name in groups if name != "all"), key=lambda n: -groups[n]["allocations"]) + ["all"]
    for name in order:
        g = groups[name]
        per = g["allocations_per_request"]
        print(f"  {name:<18} {g['allocations']:>12} {per if per is not None else 0:>12.2f} "
              f"{g['frees_per_request'] or 0:>10.2f} {g['reallocations']:>9} {g['bytes_per_request'] or 0:>10.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    snd = sub.add_parser("send")
    snd.add_argument("--port", type=int, required=True)
    snd.add_argument("--route", choices=("single", "batch", "usage"), required=True)
    snd.add_argument("--tenant", required=True)
    snd.add_argument("--requests", type=int, required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("file")
    snap.add_argument("pid", type=int)
    rep = sub.add_parser("report")
    rep.add_argument("--before", required=True)
    rep.add_argument("--after", required=True)
    rep.add_argument("--requests", type=int, required=True)
    rep.add_argument("--events", type=int, default=0)
    rep.add_argument("--title", default="allocations")
    rep.add_argument("--json")
    args = parser.parse_args()
    if args.command == "send":
        send(args.port, args.route, args.tenant, args.requests)
        return
    if args.command == "snapshot":
        json.dump(snapshot(args.file, args.pid), sys.stdout)
        print()
        return
    with open(args.before, encoding="utf-8") as before, open(args.after, encoding="utf-8") as after:
        figures = report(json.load(before), json.load(after), args.requests, args.events)
    figures["title"] = args.title
    print_report(args.title, figures)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
            out.write("\n")


if __name__ == "__main__":
    main()
