"""Prepare Ultralytics' config folder so it never reaches for the network (run by make).

Ultralytics downloads Arial.ttf for plots unless the font is already in its config folder;
matplotlib ships DejaVuSans, which serves the same purpose offline.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def prepare(config_dir: Path) -> Path:
    """Put a local TTF where Ultralytics looks for Arial.ttf; returns the font path."""
    from matplotlib import font_manager

    target = config_dir / "Ultralytics" / "Arial.ttf"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        source = font_manager.findfont("DejaVu Sans", fallback_to_default=True)
        shutil.copyfile(source, target)
    return target


def main() -> int:
    config_dir = os.environ.get("YOLO_CONFIG_DIR")
    if not config_dir:
        sys.stderr.write("offline_setup: YOLO_CONFIG_DIR is not set\n")
        return 2
    prepare(Path(config_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
