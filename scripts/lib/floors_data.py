#!/usr/bin/env python3
"""Inputs and readings for scripts/bench-floors.

    floors_data.py rows N FILE
        N events-table rows as COPY text (tenant_id, event_id, feature,
        tokens, occurred_at, received_at, stored_at, accept_seq): three
        tenants, four features, time-ordered UUIDv7 event ids as the service
        makes them.
    floors_data.py push-script SOURCE
        the push script's Lua text, read from src/queue/lua_scripts.cpp.
    floors_data.py resp lpush|push-groups|push-batch KEY BATCH EVENTS FILE [SHA]
        EVENTS queue items (the event wire format of core/event_json.cpp) as
        the RESP commands for `redis-cli --pipe`, BATCH items per command:
          lpush        LPUSH KEY item...
          push-groups  EVALSHA SHA of the push script, BATCH groups of one
                       event (single-event POSTs coalesced by the pusher)
          push-batch   EVALSHA SHA, one group of BATCH events (a batch POST)
    floors_data.py cpu-ns PID
        CPU time of every live thread of PID in ns (/proc/PID/task/*/schedstat),
        precise where /proc/PID/stat counts 10 ms ticks.
"""

import os
import random
import re
import sys
import time
import uuid

TENANTS = [str(uuid.UUID(int=random.Random(i).getrandbits(128), version=4)) for i in range(3)]
TENANT_NAMES = ["acme-corp", "globex-inc", "initech-llc"]
FEATURES = ["gpt-4-turbo", "gpt-4o", "claude-3-opus", "claude-3-sonnet"]
PUSH_SOURCE = re.compile(r'kPushSource\[\]\s*=\s*R"lua\((.*?)\)lua"', re.S)


def uuid7(ms, rand):
    """A UUIDv7 (RFC 9562) string for a time in ms and 74 random bits."""
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 62 & 0xFFF) << 64 | 0b10 << 62 | rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def write_rows(count, path):
    rng = random.Random(7)
    start_ms = int(time.time() * 1000) - count // 10
    with open(path, "w", encoding="ascii") as out:
        lines = []
        for i in range(count):
            ms = start_ms + i // 10  # 10 events a millisecond, in order
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}+00"
            lines.append(f"{TENANTS[i % 3]}\t{uuid7(ms, rng.getrandbits(74))}\t{FEATURES[i % 4]}\t"
                         f"{rng.randint(100, 5099)}\t{stamp}\t{stamp}\t{stamp}\t{start_ms * 1000 + i}\n")
            if len(lines) == 10000:
                out.writelines(lines)
                lines = []
        out.writelines(lines)


def push_script(source_path):
    with open(source_path, encoding="utf-8") as f:
        match = PUSH_SOURCE.search(f.read())
    if not match:
        raise SystemExit(f"no kPushSource raw string in {source_path}")
    return match.group(1)


def queue_item(i, ms, rng):
    return ('{"i":"%s","t":"%s","f":"%s","n":%d,"o":%d,"r":%d}'
            % (uuid7(ms, rng.getrandbits(74)), TENANT_NAMES[i % 3], FEATURES[i % 4], rng.randint(100, 5099), ms, ms))


def resp(args):
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def write_resp(shape, key, batch, events, path, sha=None):
    if shape != "lpush" and not sha:
        raise SystemExit(f"{shape} needs the script's SHA")
    rng = random.Random(11)
    ms = int(time.time() * 1000)
    max_depth = 1 << 40
    with open(path, "wb") as out:
        done = 0
        while done < events:
            n = min(batch, events - done)
            items = [queue_item(done + j, ms + (done + j) // 10, rng) for j in range(n)]
            if shape == "lpush":
                args = ["LPUSH", key] + items
            elif shape == "push-groups":
                args = ["EVALSHA", sha, 2, key, key + ":seq", max_depth, n] + [1] * n + items
            elif shape == "push-batch":
                args = ["EVALSHA", sha, 2, key, key + ":seq", max_depth, 1, n] + items
            else:
                raise SystemExit(f"unknown shape {shape}")
            out.write(resp(args))
            done += n


def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", encoding="ascii") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total


def main(argv):
    if len(argv) == 3 and argv[0] == "rows":
        write_rows(int(argv[1]), argv[2])
    elif len(argv) == 2 and argv[0] == "push-script":
        sys.stdout.write(push_script(argv[1]))
    elif len(argv) in (6, 7) and argv[0] == "resp":
        write_resp(argv[1], argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6] if len(argv) == 7 else None)
    elif len(argv) == 2 and argv[0] == "cpu-ns":
        print(cpu_ns(int(argv[1])))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
