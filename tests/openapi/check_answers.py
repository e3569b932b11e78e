#!/usr/bin/env python3
"""Validates every answer the integration tests got against the OpenAPI document.

    check_answers.py reset DIR            empty DIR (before the tests)
    check_answers.py check DIR SPEC.json  validate DIR/*.jsonl (after them)

The tests' HTTP client (tests/support/answer_log.cpp) writes one JSON line per
answer of a flagmeter: method, raw target, status, headers, body. Each answer
must belong to its operation (path and method; HEAD is GET without a body):
its status is listed there, its Content-Type is one the response names, the
headers marked required are present and match their schema, and a JSON body
validates against the response's schema (JSON Schema 2020-12, with date-time
and uuid formats checked). A path the document lacks may only be answered
with its 404 `NoRoute`, a method it lacks only with 405 `MethodNotAllowed`
whose Allow lists the path's methods, and bytes that are not HTTP only with
400, 413 or 431. Prints each problem and the number of answers validated;
exits 1 on any problem. Needs python3-jsonschema.
"""

import datetime
import glob
import json
import os
import re
import shutil
import sys
import uuid

try:
    import jsonschema
except ImportError:
    sys.exit("check_answers.py: cannot import jsonschema: apt-get install python3-jsonschema")

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
UNREADABLE_REQUEST = {"400": "MalformedRequest", "413": "BodyTooLarge", "431": "HeadersTooLarge"}
SHOWN_PROBLEMS = 40


def is_date_time(value):
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(re.sub(r"[Zz]$", "+00:00", value.replace("t", "T")))
    except ValueError:
        return False
    return True


def is_uuid(value):
    if not isinstance(value, str):
        return True
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


FORMATS = jsonschema.FormatChecker(formats=())
FORMATS.checks("date-time")(is_date_time)
FORMATS.checks("uuid")(is_uuid)


def escape(token):
    return token.replace("~", "~0").replace("/", "~1")


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        # The document itself is the root schema: `$ref`s into components
        # resolve, and its other keys are keywords JSON Schema ignores.
        self.root = dict(self.doc, **{"$schema": SCHEMA_DIALECT})
        self.validators = {}
        self.routes = []  # (regex, path), literal paths first
        for path in sorted(self.doc["paths"], key=lambda p: ("{" in p, p)):
            pattern = "".join("[^/]+" if re.fullmatch(r"\{\w+\}", part) else re.escape(part)
                              for part in re.split(r"(\{\w+\})", path))
            self.routes.append((re.compile(f"^{pattern}$"), path))
        for name, schema in self.doc["components"]["schemas"].items():
            try:
                jsonschema.Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as error:
                sys.exit(f"components/schemas/{name} is not a valid schema: {error.message}")

    def resolve(self, node, pointer):
        """(node, pointer) with `$ref`s followed."""
        while isinstance(node, dict) and "$ref" in node:
            pointer = node["$ref"]
            node = self.doc
            for token in pointer.lstrip("#/").split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def path_item(self, path):
        return self.resolve(self.doc["paths"][path], f"#/paths/{escape(path)}")

    def match(self, raw_path):
        for regex, path in self.routes:
            if regex.match(raw_path):
                return path
        return None

    def errors(self, pointer, instance):
        validator = self.validators.get(pointer)
        if validator is None:
            validator = jsonschema.Draft202012Validator(dict(self.root, **{"$ref": pointer}), format_checker=FORMATS)
            self.validators[pointer] = validator
        return sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))


def methods_of(item):
    methods = {m.upper() for m in ("get", "put", "post", "delete", "patch", "options", "head") if m in item}
    return methods | {"HEAD"} if "GET" in methods else methods


def check_response(spec, answer, response, pointer, head):
    """Problems of `answer` as the response at `pointer` of the document."""
    problems = []
    response, pointer = spec.resolve(response, pointer)
    headers = answer.get("headers", {})
    for name, header in response.get("headers", {}).items():
        header, header_pointer = spec.resolve(header, f"{pointer}/headers/{escape(name)}")
        value = headers.get(name.lower())
        if value is None:
            if header.get("required"):
                problems.append(f"no {name} header")
        elif "schema" in header:
            for error in spec.errors(f"{header_pointer}/schema", value):
                problems.append(f"{name} header {value!r}: {error.message}")
    content = response.get("content")
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if not content:
        if answer.get("bodyBytes", 0):
            problems.append(f"has a body ({media}), the document says none")
        return problems
    if media not in content:
        return problems + [f"Content-Type {media or '(none)'} is not one of {', '.join(content)}"]
    if head or media != "application/json":
        return problems
    if not answer.get("bodyUtf8", True):
        problems.append("the body is not valid UTF-8")
    try:
        body = json.loads(answer.get("body", ""))
    except ValueError as error:
        return problems + [f"the body is not JSON: {error}"]
    schema_pointer = f"{pointer}/content/{escape(media)}/schema"
    for error in spec.errors(schema_pointer, body):
        problems.append(describe(error))
    return problems


def describe(error):
    """Where and what; for a oneOf, what each alternative found."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "body"
    if not error.context:
        return f"{where}: {error.message}"
    by_branch = {}
    for sub in error.context:
        by_branch.setdefault(sub.schema_path[0], []).append(sub)
    found = "; ".join(f"alternative {branch}: " + ", ".join(describe(sub) for sub in subs[:2])
                      for branch, subs in sorted(by_branch.items()))
    return f"{where}: fits no alternative of its {error.validator} ({found})"


def check_answer(spec, answer, seen):
    method = answer["method"]
    status = str(answer["status"])
    responses = "#/components/responses/"
    if not method:
        if status not in UNREADABLE_REQUEST:
            return [f"answered {status} to bytes that are not HTTP; only 400, 413 or 431 may be"]
        name = UNREADABLE_REQUEST[status]
        return check_response(spec, answer, {"$ref": responses + name}, responses + name, False)
    raw_path = answer["target"].split("?", 1)[0]
    path = spec.match(raw_path)
    if path is None:
        if status != "404":
            return [f"answered {status} on a path the document does not have"]
        return check_response(spec, answer, {"$ref": responses + "NoRoute"}, responses + "NoRoute", False)
    item, item_pointer = spec.path_item(path)
    operation = "get" if method == "HEAD" else method.lower()
    if operation not in item:
        problems = [] if status == "405" else [f"answered {status} to a method {path} does not have; only 405 may be"]
        allow = {m.strip() for m in answer.get("headers", {}).get("allow", "").split(",") if m.strip()}
        if allow != methods_of(item):
            problems.append(f"Allow {sorted(allow)} is not {path}'s methods {sorted(methods_of(item))}")
        return problems + check_response(spec, answer, {"$ref": responses + "MethodNotAllowed"},
                                         responses + "MethodNotAllowed", False)
    responses_of = item[operation]["responses"]
    if status not in responses_of:
        return [f"status {status} is not listed for {operation.upper()} {path} (it lists {', '.join(responses_of)})"]
    seen.add(f"{operation.upper()} {path} {status}")
    pointer = f"{item_pointer}/{operation}/responses/{status}"
    return check_response(spec, answer, responses_of[status], pointer, method == "HEAD")


def read_answers(folder):
    for name in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
        with open(name, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                try:
                    yield json.loads(line)
                except ValueError:
                    # A test process killed mid-write leaves a partial last line.
                    print(f"{name}:{number}: skipped, not a whole JSON line")


def check(folder, spec_path):
    spec = Spec(spec_path)
    count = 0
    failures = 0
    seen = set()
    for answer in read_answers(folder):
        count += 1
        problems = check_answer(spec, answer, seen)
        if problems:
            failures += 1
            if failures <= SHOWN_PROBLEMS:
                body = answer.get("body", "")[:300]
                print(f"{answer['method'] or '(not HTTP)'} {answer['target'][:200]} -> {answer['status']}: "
                      f"{'; '.join(problems)}\n    body: {body}")
    print(f"{count} answers validated against the OpenAPI document, {failures} failed "
          f"({len(seen)} operation and status pairs seen)")
    return 1 if failures else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "reset":
        shutil.rmtree(sys.argv[2], ignore_errors=True)
        os.makedirs(sys.argv[2])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
