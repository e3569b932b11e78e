#!/usr/bin/env python3
"""Converts the OpenAPI document from YAML to compact JSON, at build time.

    openapi_to_json.py IN.yaml OUT.json

Needs python3-yaml. Exits 1 with one line naming IN when the YAML does not
parse, is not an OpenAPI 3.1 document, or holds what JSON cannot say the same
way (a YAML date, a key that is not a string, such as an unquoted status code).
"""

import json
import sys

import yaml


def check_keys(node, where):
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} is not a string; quote it")
            check_keys(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            check_keys(value, f"{where}/{index}")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: openapi_to_json.py IN.yaml OUT.json")
    source, target = sys.argv[1], sys.argv[2]
    try:
        with open(source, encoding="utf-8") as f:
            document = yaml.safe_load(f)
        if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1."):
            raise ValueError("not an OpenAPI 3.1 document (no 'openapi: 3.1.x')")
        check_keys(document, "")
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (OSError, yaml.YAMLError, ValueError, TypeError) as error:
        sys.exit(f"{source}: {error}")
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
