"""A tiny live camera for tests: serves an MPEG-TS file over HTTP on 127.0.0.1 in real time.

It can be stopped mid-stream (connections drop), restarted on the same port, or paused
(connections stay open but no bytes flow: a stalled stream).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from api.server import free_port

CHUNK_BYTES = 188 * 20  # whole TS packets


class LiveTsServer:
    def __init__(self, ts_file: Path, duration_s: float, port: int | None = None) -> None:
        self.data = ts_file.read_bytes()
        self.bytes_per_s = len(self.data) / duration_s
        self.port = port or free_port()
        self.paused = threading.Event()
        self.connections = 0
        self._server: ThreadingHTTPServer | None = None
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/live.ts"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.connections += 1
                self.send_response(200)
                self.send_header("Content-Type", "video/mp2t")
                self.end_headers()
                owner._stream(self.wfile)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _stream(self, out: object) -> None:
        started = time.monotonic()
        sent = 0
        while sent < len(self.data) and not self._stopping.is_set():
            if self.paused.is_set():
                time.sleep(0.05)
                started += 0.05
                continue
            due = (time.monotonic() - started) * self.bytes_per_s + CHUNK_BYTES * 8
            if sent < due:
                chunk = self.data[sent : sent + CHUNK_BYTES]
                try:
                    out.write(chunk)  # type: ignore[attr-defined]
                except OSError:
                    return
                sent += len(chunk)
            else:
                time.sleep(0.01)

    def stop(self) -> None:
        """Drop every connection and stop listening, like a camera losing power."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
