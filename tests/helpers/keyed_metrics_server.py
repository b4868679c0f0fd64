"""A tiny HTTP server on 127.0.0.1 that, like llama.cpp, wants a bearer key for ``/metrics``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

METRICS = "llamacpp:prompt_tokens_total 10\nllamacpp:requests_processing 0\n"


@contextmanager
def keyed_metrics_server(key: str) -> Iterator[int]:
    """Serve ``/metrics`` to requests bearing ``key`` (others get 401); yields the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {key}":
                self.send_error(401)
                return
            body = METRICS.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
