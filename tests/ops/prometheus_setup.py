#!/usr/bin/env python3
"""Prepares infra/prometheus and infra/grafana for a test against local processes.

    prometheus_setup.py render --source infra/prometheus/prometheus.yml --out FILE \
        --scrape-interval 1s --target JOB=HOST:PORT ...
        Writes a config equivalent to the source (same jobs, same rule files,
        same metrics paths) with each job's targets replaced by the given
        address, the scrape and evaluation intervals shortened, and rule_files
        made absolute. Every job of the source must be given a target, and no
        other: a job added to the source without a test target is an error.

    prometheus_setup.py expressions --dashboard FILE.json --alerts FILE.yml [--interval 1m]
        Prints one JSON object per line, {"kind", "where", "expr"}, for every
        PromQL expression: each target of each dashboard panel (rows and
        nested panels included, Grafana's $__ variables replaced by
        --interval), and each alerting or recording rule.
"""

import argparse
import json
import os
import re
import sys

import yaml


def fail(message):
    print(f"prometheus_setup.py: {message}", file=sys.stderr)
    sys.exit(2)


def render(args):
    with open(args.source, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    wanted = {}
    for item in args.target:
        job, sep, address = item.partition("=")
        if not sep or not address:
            fail(f"--target {item}: expected JOB=HOST:PORT")
        wanted[job] = address
    jobs = [job["job_name"] for job in config.get("scrape_configs", [])]
    missing = sorted(set(jobs) - set(wanted))
    unknown = sorted(set(wanted) - set(jobs))
    if missing or unknown:
        fail(f"{args.source} has jobs {jobs}; no test target for {missing}, unknown jobs given {unknown}")
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [wanted[job["job_name"]]]}]
        job.pop("scrape_interval", None)
        job.pop("scrape_timeout", None)
    base = os.path.dirname(os.path.abspath(args.source))
    config["rule_files"] = [os.path.join(base, path) for path in config.get("rule_files", [])]
    config.setdefault("global", {})
    config["global"]["scrape_interval"] = args.scrape_interval
    config["global"]["evaluation_interval"] = args.scrape_interval
    config["global"]["scrape_timeout"] = args.scrape_interval
    with open(args.out, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False)


def panels_of(panels):
    for panel in panels or []:
        yield panel
        yield from panels_of(panel.get("panels"))


def substitute(expr, interval):
    """Replaces Grafana's built-in interval variables, as Grafana would."""
    expr = re.sub(r"\$\{?__(rate_interval|interval|range)(_ms|_s)?\}?", interval, expr)
    if "$" in expr:
        fail(f"expression uses a variable this tool cannot substitute: {expr}")
    return expr


def expressions(args):
    with open(args.dashboard, encoding="utf-8") as f:
        dashboard = json.load(f)
    found = []
    for panel in panels_of(dashboard.get("panels")):
        for target in panel.get("targets", []):
            if "expr" in target:
                where = f"dashboard panel '{panel.get('title', '?')}' target {target.get('refId', '?')}"
                found.append({"kind": "dashboard", "where": where, "expr": substitute(target["expr"], args.interval)})
    with open(args.alerts, encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    for group in rules.get("groups", []):
        for rule in group.get("rules", []):
            name = rule.get("alert") or rule.get("record")
            found.append({"kind": "rule", "where": f"rule {group['name']}/{name}", "expr": rule["expr"].strip()})
    if not found:
        fail("no expressions found")
    for item in found:
        print(json.dumps(item))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    render_args = commands.add_parser("render")
    render_args.add_argument("--source", required=True)
    render_args.add_argument("--out", required=True)
    render_args.add_argument("--scrape-interval", default="1s")
    render_args.add_argument("--target", action="append", default=[])
    expr_args = commands.add_parser("expressions")
    expr_args.add_argument("--dashboard", required=True)
    expr_args.add_argument("--alerts", required=True)
    expr_args.add_argument("--interval", default="1m")
    args = parser.parse_args()
    if args.command == "render":
        render(args)
    else:
        expressions(args)


if __name__ == "__main__":
    main()
