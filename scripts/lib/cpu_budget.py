#!/usr/bin/env python3
"""The CPU budget of a benchmark: CPU time and context switches per request
and per event of each process taking part, from /proc and from wait4().

    cpu_budget.py snapshot NAME=PID[+]...            > before.json
    cpu_budget.py run --out FILE -- COMMAND [ARG]...  (the load generator)
    cpu_budget.py report --before F --after F [--part NAME=FILE]...
                         --requests R --events E [--json FILE] [--title T]

snapshot prints, for each NAME=PID, the CPU time (utime + stime from
/proc/PID/stat, plus cutime + cstime: children it has waited for, as the
postmaster does for backends that exited) and the voluntary + nonvoluntary
context switches of every thread (/proc/PID/task/*/status). PID+ adds the
process's live children (PostgreSQL's backends). A NAME given more than
once (the nodes of a Valkey Cluster) is one part, their sum.

run runs a command (wrk, flagmeter-load) and, when it exits, writes its
CPU time and context switches from wait4()'s rusage (all its threads) to
FILE; it exits with the command's status.

report subtracts the snapshots and prints a table of CPU ms, CPU us per
request, CPU us per event and context switches per request per part;
--part adds a `run` result as a part. --json writes the same as JSON:
{"requests": R, "events": E, "parts": {NAME: {"cpu_ms", "us_per_request",
"us_per_event", "context_switches", "context_switches_per_request"}}}.
"""

import argparse
import json
import os
import subprocess
import sys

from bench_sampler import children  # the same /proc walk as the memory samples

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name (field 3 first)."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        text = stat.read().decode("ascii", "replace")
    return text[text.rindex(")") + 2:].split()


def cpu_ticks(pid):
    """utime + stime + cutime + cstime of a process in clock ticks; 0 when gone."""
    try:
        fields = _stat_fields(pid)
        return sum(int(fields[i]) for i in (11, 12, 13, 14))  # fields 14-17 of proc(5)
    except (OSError, ValueError, IndexError):
        return 0


def context_switches(pid):
    """Voluntary + nonvoluntary context switches summed over a process's threads."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status", "rb") as status:
                for line in status:
                    if line.startswith((b"voluntary_ctxt_switches:", b"nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


def snapshot(named_pids):
    """{name: {"cpu_ms": ..., "context_switches": ...}} for [(name, pid, tree)]."""
    result = {}
    for name, pid, tree in named_pids:
        pids = [pid] + (children(pid) if tree else [])
        part = result.setdefault(name, {"cpu_ms": 0, "context_switches": 0})  # a name may repeat: summed
        part["cpu_ms"] += sum(cpu_ticks(p) for p in pids) * 1000 / CLOCK_TICKS
        part["context_switches"] += sum(context_switches(p) for p in pids)
    return result


def run(command, out):
    """Runs command, writes its rusage to out, returns its exit status."""
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
                   "context_switches": usage.ru_nvcsw + usage.ru_nivcsw}, f)
    return child.returncode if child.returncode >= 0 else 128 - child.returncode


def budget(before, after, requests, events, extra_parts=None):
    """The per-request and per-event figures of every part."""
    parts = {}
    spent = {name: {"cpu_ms": after[name]["cpu_ms"] - before[name]["cpu_ms"],
                    "context_switches": after[name]["context_switches"] - before[name]["context_switches"]}
             for name in after if name in before}
    spent.update(extra_parts or {})
    for name, used in spent.items():
        cpu_ms, switches = used["cpu_ms"], used["context_switches"]
        parts[name] = {
            "cpu_ms": round(cpu_ms, 1),
            "us_per_request": round(cpu_ms * 1000 / requests, 2) if requests > 0 else None,
            "us_per_event": round(cpu_ms * 1000 / events, 2) if events > 0 else None,
            "context_switches": switches,
            "context_switches_per_request": round(switches / requests, 3) if requests > 0 else None,
        }
    return {"requests": requests, "events": events, "parts": parts}


def format_table(result, title):
    def cell(value):
        return "-" if value is None else f"{value:,}"
    lines = [f"{title} ({result['requests']:,} requests, {result['events']:,} events):",
             f"  {'part':<16}{'CPU ms':>12}{'us/request':>12}{'us/event':>12}{'ctx sw/request':>16}"]
    for name, part in result["parts"].items():
        lines.append(f"  {name:<16}{cell(part['cpu_ms']):>12}{cell(part['us_per_request']):>12}"
                     f"{cell(part['us_per_event']):>12}{cell(part['context_switches_per_request']):>16}")
    return "\n".join(lines)


def named_pid(text):
    name, _, pid = text.partition("=")
    tree = pid.endswith("+")
    pid = pid.rstrip("+")
    if not name or not pid.isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=PID or NAME=PID+, got {text!r}")
    return name, int(pid), tree


def named_file(text):
    name, _, path = text.partition("=")
    if not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=FILE, got {text!r}")
    return name, path


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    snap = commands.add_parser("snapshot")
    snap.add_argument("processes", type=named_pid, nargs="+")
    runner = commands.add_parser("run")
    runner.add_argument("--out", required=True)
    runner.add_argument("argv", nargs=argparse.REMAINDER)
    report = commands.add_parser("report")
    report.add_argument("--before", required=True)
    report.add_argument("--after", required=True)
    report.add_argument("--part", type=named_file, action="append", default=[])
    report.add_argument("--requests", type=int, required=True)
    report.add_argument("--events", type=int, required=True)
    report.add_argument("--json")
    report.add_argument("--title", default="CPU budget")
    args = parser.parse_args(argv)

    if args.command == "snapshot":
        print(json.dumps(snapshot(args.processes)))
        return 0
    if args.command == "run":
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            parser.error("run needs a command after --")
        return run(command, args.out)
    extra = {name: load_json(path) for name, path in args.part}
    result = budget(load_json(args.before), load_json(args.after), args.requests, args.events, extra)
    print(format_table(result, args.title))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
