"""A checkpoint that would run code when unpickled is refused, and the code never runs."""

from __future__ import annotations

import builtins
import os
import pickle
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from detector.analyzers.objects import (
    ObjectsAnalyzer,
    ObjectsConfig,
    UnsafeModelError,
    load_yolov5_checkpoint,
)
from tests.detector.analyzers.objects.helpers import is_one_line


class Payload:
    """Unpickling this calls ``call(*args)``: the classic pickle exploit."""

    def __init__(self, call: Callable[..., Any], *args: Any) -> None:
        self.call = call
        self.args = args

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return self.call, self.args


@pytest.fixture
def yolov5_repo(monkeypatch: pytest.MonkeyPatch) -> dict[str, type[torch.nn.Module]]:
    """Stand-ins for the YOLOv5 repository's modules, so pickles can name its classes."""
    classes: dict[str, type[torch.nn.Module]] = {}
    for dotted in ("models.yolo.Model", "models.common.GhostConv"):
        module_name, name = dotted.rsplit(".", 1)
        module = sys.modules.get(module_name) or types.ModuleType(module_name)
        monkeypatch.setitem(sys.modules, module_name, module)
        cls = type(name, (torch.nn.Module,), {"__module__": module_name})
        setattr(module, name, cls)
        classes[dotted] = cls
    monkeypatch.setitem(sys.modules, "models", types.ModuleType("models"))
    return classes


def payloads(marker: Path) -> dict[str, tuple[Any, str]]:
    """Payload objects that would create ``marker`` and the name the refusal must give."""
    touch = f"open({str(marker)!r}, 'w').write('ran')"
    return {
        "os.system": (Payload(os.system, f"touch {marker}"), f"{os.system.__module__}.system"),
        "builtins.eval": (Payload(builtins.eval, touch), "builtins.eval"),
        "builtins.exec": (Payload(builtins.exec, touch), "builtins.exec"),
        "subprocess.Popen": (Payload(subprocess.Popen, ["touch", str(marker)]), "subprocess.Popen"),
    }


def _save(path: Path, payload: Any, how: str) -> None:
    """``torch.save`` zip archive, legacy torch format, or a bare pickle named .pt."""
    if how == "zip":
        torch.save({"model": payload}, path)
    elif how == "legacy":
        torch.save({"model": payload}, path, _use_new_zipfile_serialization=False)
    else:
        path.write_bytes(pickle.dumps({"model": payload}, protocol=2))


@pytest.mark.parametrize("how", ["zip", "legacy", "bare"])
@pytest.mark.parametrize(
    "attack", ["os.system", "builtins.eval", "builtins.exec", "subprocess.Popen"]
)
def test_yolov5_loader_refuses_code_in_the_pickle(tmp_path: Path, attack: str, how: str) -> None:
    marker = tmp_path / "pwned"
    payload, named = payloads(marker)[attack]
    path = tmp_path / "evil.pt"
    _save(path, payload, how)

    with pytest.raises(UnsafeModelError) as raised:
        load_yolov5_checkpoint(path)

    message = str(raised.value)
    assert is_one_line(message)
    assert str(path) in message
    assert named in message
    assert not marker.exists(), "the payload ran"


@pytest.mark.parametrize("attack", ["os.system", "builtins.eval", "subprocess.Popen"])
def test_analyzer_refuses_code_in_any_pt(tmp_path: Path, attack: str) -> None:
    """Not only YOLOv5 files: a .pt bound for Ultralytics is checked before YOLO() opens it."""
    marker = tmp_path / "pwned"
    payload, named = payloads(marker)[attack]
    path = tmp_path / "evil.pt"
    _save(path, payload, "zip")

    with pytest.raises(UnsafeModelError) as raised:
        ObjectsAnalyzer(ObjectsConfig(model_path=path))

    assert is_one_line(str(raised.value))
    assert named in str(raised.value)
    assert str(path) in str(raised.value)
    assert not marker.exists(), "the payload ran"


def test_code_hidden_inside_a_yolov5_looking_checkpoint_is_refused(
    tmp_path: Path, yolov5_repo: dict[str, type[torch.nn.Module]]
) -> None:
    marker = tmp_path / "pwned"
    model = yolov5_repo["models.yolo.Model"]()
    model.__dict__["hook"] = Payload(os.system, f"touch {marker}")
    path = tmp_path / "yolov5s.pt"
    torch.save({"model": model, "epoch": -1}, path)

    with pytest.raises(UnsafeModelError, match=rf"{os.system.__module__}\.system"):
        ObjectsAnalyzer(ObjectsConfig(model_path=path))
    assert not marker.exists()


def test_unknown_yolov5_module_is_refused_by_name(
    tmp_path: Path, yolov5_repo: dict[str, type[torch.nn.Module]]
) -> None:
    """YOLOv5 layers this loader does not map (GhostConv…) are refused, not guessed at."""
    path = tmp_path / "ghost.pt"
    torch.save({"model": yolov5_repo["models.common.GhostConv"]()}, path)

    with pytest.raises(UnsafeModelError, match=r"models\.common\.GhostConv"):
        load_yolov5_checkpoint(path)
