from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from api.db.engine import make_engine
from api.db.migrate import upgrade
from api.security import users
from tests.factories import POSTGRES_URL, SHARED_CLIPS, make_clip


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its production cost takes about 0.4 s per hash or check here, and the suite
    creates and logs in a few thousand users: that alone was a third of ``make test``. The
    tests are about who may do what, not the hash's strength (argon2's own suite covers that),
    so they hash with the cheapest parameters; a stored hash names its own, so checks follow."""
    production = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._hasher = production


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The ticket service's database, migrated: every test using it runs on SQLite and on
    PostgreSQL (skipped when PostgreSQL cannot be reached)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'streetorder.db'}"
    else:
        url = POSTGRES_URL
    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({exc.orig})")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generated clips, 25 fps with a key frame every 2 s: 10 s unless the name says 40 s."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "h264_mp4": make_clip(folder / "h264.mp4", gop_frames=50),
        "h264_ts": make_clip(folder / "h264.ts", gop_frames=50),
        "mpeg4_avi": make_clip(folder / "mpeg4.avi", codec="mpeg4", gop_frames=50),
        "h264_40s": make_clip(folder / "h264_40s.mp4", seconds=40.0, gop_frames=50),
        "mpeg4_40s": make_clip(
            folder / "mpeg4_40s.avi", seconds=40.0, codec="mpeg4", gop_frames=50
        ),
    }


@pytest.fixture(scope="session")
def shared_clip() -> Path:
    """Folder of the real clips in ../shared; tests that need them skip only if it is absent."""
    if not SHARED_CLIPS.is_dir():
        pytest.skip(f"real clips not present: {SHARED_CLIPS} (../shared is absent)")
    return SHARED_CLIPS
