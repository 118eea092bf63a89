"""A stand-in for the NPI Registry API on loopback, answering after a fixed delay.

The benchmark machine has no network: the live registry is unreachable, so every therapist
search waited out its whole deadline (4 s) before giving the national options, and those
turns alone made the p99. ``make bench`` points the action server here instead
(``NPI_REGISTRY_URL``), with the response cache off (``NPI_REGISTRY_CACHE_DIR=off``) so
every search pays the delay. Every query gets the same recorded answer
(tests/fixtures/npi_registry/psychologist_43215.json, Columbus, Ohio).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

from tests.support.stack import REPO_ROOT

ANSWER = REPO_ROOT / "tests" / "fixtures" / "npi_registry" / "psychologist_43215.json"


@contextmanager
def fake_registry(delay_seconds: float) -> Iterator[str]:
    """Serve the recorded answer on a free loopback port; yield the API URL."""
    body = ANSWER.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            time.sleep(delay_seconds)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()
