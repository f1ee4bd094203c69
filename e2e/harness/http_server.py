"""A local HTTP server for the tests' metric providers to query (Web analysis), on 127.0.0.1.

:func:`serve` runs a ``BaseHTTPRequestHandler`` class in a thread for the duration of a ``with``
block and yields its base URL; leaving the block shuts it down and joins the thread, so that no
server outlives its test.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JOIN_TIMEOUT = 5.0


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], name: str = "test-http-server") -> Iterator[str]:
    """Serve ``handler`` on a free port of 127.0.0.1; yields ``http://127.0.0.1:<port>``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=JOIN_TIMEOUT)
