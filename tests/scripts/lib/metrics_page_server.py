"""A loopback /metrics server for the tests of scripts/lib: every GET is
answered with page(n), n the number of scrapes before it, so the tests see
counters grow from scrape to scrape."""

import http.server
import threading


class MetricsPageServer:
    """Serves page(scrapes) on 127.0.0.1 from a thread of its own until close()."""

    def __init__(self, page):
        self.scrapes = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                body = page(owner.scrapes).encode()
                owner.scrapes += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def port(self):
        return self._server.server_port

    def close(self):
        self._server.shutdown()
        self._server.server_close()
