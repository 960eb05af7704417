"""The service under test, served by uvicorn on a free port of 127.0.0.1, and its database."""

from __future__ import annotations

import multiprocessing
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.exc import OperationalError

from api.main import create_app
from api.settings import ApiSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(data_dir: str, url: str, port: int) -> None:
    """Child-process entry: the service as deployed, one uvicorn worker."""
    app = create_app(ApiSettings(data_dir=Path(data_dir), database_url=url))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def wait_healthy(base: str, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the service stopped while starting (its log is above)")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the service at {base} did not answer /health within 120 s")


@contextmanager
def running_service(mode: str, data_dir: Path, url: str) -> Iterator[str]:
    """The base URL of the service, run in a child process or in a thread of this one."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if mode == "process":
        child = multiprocessing.get_context("spawn").Process(
            target=serve, args=(str(data_dir), url, port), daemon=True
        )
        child.start()
        try:
            wait_healthy(base, child.is_alive)
            yield base
        finally:
            child.terminate()
            child.join(15)
        return
    app = create_app(ApiSettings(data_dir=data_dir, database_url=url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_healthy(base, thread.is_alive)
        yield base
    finally:
        server.should_exit = True
        thread.join(15)


def reset_postgres(url: str) -> str | None:
    """Drop every table of the benchmark database; why not, when it cannot be reached."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            meta = MetaData()
            meta.reflect(connection)
            meta.drop_all(connection)
    except OperationalError as exc:
        return f"PostgreSQL not reachable at {url}: {str(exc.orig).strip().splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def server_version(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with engine.connect() as connection:
        return f"PostgreSQL {str(connection.scalar(text('SHOW server_version'))).split()[0]}"
