"""The cards in ``models/`` and the weights they name in the models directory, re-hashed."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from detector.models.card import CardError, ModelCard, load_card

DEFAULT_MODELS_DIR = Path("var/models")
MODELS_DIR_ENV = "STREETORDER_MODELS_DIR"
NOT_CARDS = frozenset({"README.md"})
_CHUNK = 1 << 20


def models_dir(option: Path | None = None) -> Path:
    """Where weights live: the option, else ``$STREETORDER_MODELS_DIR``, else ``var/models``."""
    if option is not None:
        return option
    return Path(os.environ.get(MODELS_DIR_ENV) or DEFAULT_MODELS_DIR)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def dataset_sha256(folder: Path) -> str:
    """A training set's identity for ``training_data.sha256``: SHA-256 over every file under
    ``folder`` (hidden ones and caches such as ``labels.cache`` excluded), sorted by relative
    path, each contributing its path, a NUL, its own SHA-256 and a newline."""
    digest = hashlib.sha256()
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.suffix != ".cache"
    )
    for path in files:
        relative = path.relative_to(folder).as_posix()
        digest.update(f"{relative}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def load_cards(cards_dir: Path) -> list[ModelCard]:
    """Every card (``*.md`` but the README), sorted by name; the first bad one raises."""
    if not cards_dir.is_dir():
        raise CardError(f"{cards_dir}: no such cards folder")
    paths = sorted(p for p in cards_dir.glob("*.md") if p.name not in NOT_CARDS)
    return [load_card(path) for path in paths]


@dataclass(frozen=True)
class WeightsStatus:
    """A card's weights file as found in the models directory."""

    card: ModelCard
    path: Path
    present: bool
    size: int | None
    sha256: str | None
    """None when absent, or when the size already differs (no need to read it)."""

    @property
    def hash_ok(self) -> bool:
        return self.present and self.sha256 == self.card.sha256

    @property
    def problem(self) -> str | None:
        """One line naming the card, the file and what is wrong; None if the file is intact."""
        where = f"{self.card.name}: {self.path}"
        if not self.present:
            return f"{where}: missing"
        if self.size != self.card.size:
            return f"{where}: changed: {self.size} bytes, the card says {self.card.size}"
        if self.sha256 != self.card.sha256:
            return f"{where}: changed: SHA-256 {self.sha256}, the card says {self.card.sha256}"
        return None


def check_weights(card: ModelCard, directory: Path) -> WeightsStatus:
    path = directory / card.file
    if not path.is_file():
        return WeightsStatus(card, path, present=False, size=None, sha256=None)
    size = path.stat().st_size
    digest = sha256_file(path) if size == card.size else None
    return WeightsStatus(card, path, present=True, size=size, sha256=digest)
