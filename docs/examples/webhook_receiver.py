#!/usr/bin/env python3
"""A FlagMeter alert webhook receiver that verifies signatures (standard library only).

    FLAGMETER_WEBHOOK_SECRET=<the WEBHOOK_SECRET of FlagMeter> \
        python3 webhook_receiver.py [--host 127.0.0.1] [--port 8000]

Each alert is a POST with a JSON body and two headers:

    X-FlagMeter-Delivery:  <tenant id>:<period start ms>:<threshold>
    X-FlagMeter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<delivery id>.<body>">

The receiver answers 200 when the signature matches and t is within five
minutes of its own clock, 400 otherwise (FlagMeter then retries with backoff,
so a 400 must mean "never accept this copy"). A delivery id seen before is
answered 200 again but handled once: retries resend the same alert.
It prints "listening on HOST:PORT" once ready (--port 0 picks a free port),
then one JSON line per request with its verdict.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import sys
import time

TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 64 * 1024


def verify(secret, header, delivery_id, body, now=None, tolerance=TOLERANCE_SECONDS):
    """Returns None when the signature is good, else why it is not."""
    if not header:
        return "no X-FlagMeter-Signature header"
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        return "malformed X-FlagMeter-Signature header"
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        return "timestamp outside the tolerance (replayed or clock skew)"
    signed = timestamp.encode() + b"." + delivery_id.encode() + b"." + body
    expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        return "signature mismatch"
    return None


class Receiver(http.server.BaseHTTPRequestHandler):
    secret = b""
    seen = set()  # delivery ids handled; a real receiver keeps them in its database

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return self.answer(413, "body too large")
        body = self.rfile.read(length)
        delivery_id = self.headers.get("X-FlagMeter-Delivery", "")
        problem = verify(self.secret, self.headers.get("X-FlagMeter-Signature"), delivery_id, body)
        if problem:
            return self.answer(400, problem)
        if delivery_id in self.seen:
            return self.answer(200, "duplicate, already handled")
        self.seen.add(delivery_id)
        alert = json.loads(body)
        print(json.dumps({"delivery": delivery_id, "text": alert.get("text")}), flush=True)
        return self.answer(200, "accepted")

    def answer(self, status, reason):
        print(json.dumps({"status": status, "reason": reason}), flush=True)
        payload = (reason + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):  # one JSON line per request is enough
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    options = parser.parse_args()
    secret = os.environ.get("FLAGMETER_WEBHOOK_SECRET", "")
    if not secret:
        sys.exit("set FLAGMETER_WEBHOOK_SECRET to FlagMeter's WEBHOOK_SECRET")
    Receiver.secret = secret.encode()
    server = http.server.ThreadingHTTPServer((options.host, options.port), Receiver)
    host, port = server.server_address[:2]
    print(f"listening on {host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
