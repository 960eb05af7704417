"""The ticket service under uvicorn in a background thread: for the demo and for tests that
need a real HTTP service they can stop and start again (a service restart)."""

from __future__ import annotations

import socket
import threading
import time

from api.settings import ApiSettings
from detector.errors import StreetOrderError


class ServiceStartError(StreetOrderError):
    """The service did not start listening (port taken, database unreachable…)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class ServiceThread:
    """``start`` returns once the service listens (migrations done); ``stop`` closes every
    connection, like the service going down. It can be started again on the same port."""

    def __init__(
        self, settings: ApiSettings, port: int | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.settings = settings
        self.host = host
        self.port = port or free_port(host)
        self._server: object | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 30.0) -> None:
        import uvicorn

        from api.main import create_app

        config = uvicorn.Config(
            create_app(self.settings),
            host=self.host,
            port=self.port,
            log_config=None,
            log_level="warning",
            lifespan="on",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="ticket-service", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise ServiceStartError(
                    f"the ticket service did not start on {self.url} (port taken?)"
                )
            time.sleep(0.02)
        self._server, self._thread = server, thread

    def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True  # type: ignore[attr-defined]
        self._thread.join(20)
        self._server = self._thread = None

    def __enter__(self) -> ServiceThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
