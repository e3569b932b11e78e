#!/usr/bin/env python3
"""scripts/lib/alloc_count.py: reading a counts file of the preload library's
layout, the per-request arithmetic per thread group, and the exact request
bytes it sends."""

import os
import struct
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SCRIPT = os.path.join(ROOT, "scripts", "lib", "alloc_count.py")

sys.dont_write_bytecode = True  # no __pycache__ in scripts/lib
sys.path.insert(0, os.path.dirname(SCRIPT))
import alloc_count  # noqa: E402


def counts_file(slots):
    """A file laid out as tools/alloc_count/alloc_count.c writes it."""
    handle = tempfile.NamedTemporaryFile(delete=False)
    handle.write(alloc_count.HEADER.pack(alloc_count.MAGIC, 1024, len(slots), 0))
    for slot in slots:
        handle.write(alloc_count.SLOT.pack(*slot))
    handle.close()
    return handle.name


class Snapshot(unittest.TestCase):
    def test_reads_every_slot_and_names_live_threads(self):
        tid = threading.get_native_id()
        path = counts_file([(tid, 10, 1, 9, 640), (2 ** 31 - 1, 5, 0, 5, 50)])
        try:
            snap = alloc_count.snapshot(path, os.getpid())
        finally:
            os.unlink(path)
        self.assertEqual(len(snap["threads"]), 2)
        mine, gone = snap["threads"]
        self.assertEqual((mine["tid"], mine["allocations"], mine["reallocations"], mine["frees"], mine["bytes"]),
                         (tid, 10, 1, 9, 640))
        self.assertNotEqual(mine["name"], "(exited)")
        self.assertEqual(gone["name"], "(exited)")

    def test_refuses_a_file_of_another_layout(self):
        path = counts_file([])
        with open(path, "r+b") as handle:
            handle.write(b"\0" * 8)
        try:
            with self.assertRaises(SystemExit):
                alloc_count.snapshot(path, os.getpid())
        finally:
            os.unlink(path)


class Report(unittest.TestCase):
    def test_groups_numbered_threads_and_divides_by_requests(self):
        before = {"threads": [{"tid": 1, "name": "fm-io-0", "allocations": 100, "reallocations": 0, "frees": 90,
                               "bytes": 1000},
                              {"tid": 3, "name": "fm-pusher", "allocations": 7, "reallocations": 0, "frees": 7,
                               "bytes": 70}]}
        after = {"threads": [{"tid": 1, "name": "fm-io-0", "allocations": 300, "reallocations": 0, "frees": 290,
                              "bytes": 3000},
                             {"tid": 2, "name": "fm-io-1", "allocations": 100, "reallocations": 2, "frees": 100,
                              "bytes": 1000},
                             {"tid": 3, "name": "fm-pusher", "allocations": 7, "reallocations": 0, "frees": 7,
                              "bytes": 70}]}
        figures = alloc_count.report(before, after, requests=100, events=200)
        io = figures["groups"]["fm-io"]
        self.assertEqual(io["allocations"], 300)
        self.assertEqual(io["reallocations"], 2)
        self.assertAlmostEqual(io["allocations_per_request"], 3.0)
        self.assertAlmostEqual(io["allocations_per_event"], 1.5)
        self.assertNotIn("fm-pusher", figures["groups"])  # nothing happened there
        self.assertEqual(figures["groups"]["all"]["allocations"], 300)


class Requests(unittest.TestCase):
    def test_single_event_post_has_wrks_headers(self):
        request, expected = alloc_count.request_bytes("single", "acme", 3000)
        self.assertEqual(expected, 201)
        head, body = request.split(b"\r\n\r\n")
        self.assertEqual(head.split(b"\r\n"), [b"POST /api/events HTTP/1.1", b"Host: 127.0.0.1:3000",
                                               b"Content-Type: application/json",
                                               f"Content-Length: {len(body)}".encode()])
        self.assertEqual(body, b'{"tenant":"acme","feature":"gpt-4o","tokens":1000}')

    def test_batch_has_a_hundred_events_and_usage_is_a_get(self):
        request, _ = alloc_count.request_bytes("batch", "acme", 3000)
        self.assertEqual(request.count(b'"tenant":"acme"'), 100)
        request, expected = alloc_count.request_bytes("usage", "acme", 3000)
        self.assertEqual((request, expected), (b"GET /api/usage/acme HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n", 200))


if __name__ == "__main__":
    unittest.main()
