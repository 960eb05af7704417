"""Transplanting an original YOLOv5 backbone, training from it, evaluating: offline, on CPU."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from detector.training.transplant import restore_sppf_activation, transplant
from tests.detector.cli.test_cli import assert_one_line_error, streetorder
from tests.factories import SHARED

CHECKPOINT = SHARED / "models" / "yolov5n_coco.pt"
CLASSES = ("poster", "sign")


@pytest.fixture(scope="module")
def checkpoint() -> Path:
    if not CHECKPOINT.is_file():
        pytest.skip(f"no YOLOv5 checkpoint at {CHECKPOINT} (../shared is absent)")
    return CHECKPOINT


def features(
    layers: list[nn.Module], sources: list[object], image: torch.Tensor
) -> list[torch.Tensor]:
    """Every layer's output, routed as YOLOv5 routes them (``f`` = where a layer reads)."""
    outputs: list[torch.Tensor] = []
    x: object = image
    for layer, source in zip(layers, sources, strict=True):
        if isinstance(source, list):
            x = [outputs[j] if j != -1 else x for j in source]
        elif source != -1:
            assert isinstance(source, int)
            x = outputs[source]
        x = layer(x)
        assert isinstance(x, torch.Tensor)
        outputs.append(x)
    return outputs


def test_layers_0_to_23_compute_what_the_original_checkpoint_computes(checkpoint: Path) -> None:
    from detector.analyzers.objects.yolov5 import load_yolov5_network

    model, copied = transplant(checkpoint, CLASSES)
    assert copied == 342
    original, _ = load_yolov5_network(checkpoint)
    model.eval()  # batch norms on their running statistics, as the original runs
    layers = list(model.model)[:24]
    image = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ours = features(layers, [layer.f for layer in layers], image)
        theirs = features(list(original.layers), list(original.sources), image)
        for index in (9, 17, 20, 23):  # SPPF and the three levels the head reads
            assert torch.allclose(ours[index], theirs[index], atol=1e-3), index
        # Without YOLOv5's SPPF activation the transplanted weights compute something else.
        layers[9].cv1.act = nn.Identity()
        bare = features(layers, [layer.f for layer in layers], image)
    assert not torch.allclose(bare[23], theirs[23], atol=1e-2)
    assert restore_sppf_activation(model) == 1


def write_dataset(root: Path) -> Path:
    """Grey walls with a red 'poster' and a blue 'sign' at random places; YOLO labels."""
    rng = np.random.default_rng(0)
    for split, count in (("train", 8), ("val", 4)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for number in range(count):
            image = np.full((128, 128, 3), 150, np.uint8)
            lines = []
            for cls, colour in enumerate(((40, 40, 220), (220, 80, 30))):
                x, y = (int(v) for v in rng.integers(10, 80, size=2))
                cv2.rectangle(image, (x, y), (x + 36, y + 28), colour, -1)
                lines.append(f"{cls} {(x + 18) / 128} {(y + 14) / 128} {36 / 128} {28 / 128}")
            cv2.imwrite(str(root / "images" / split / f"{number}.jpg"), image)
            (root / "labels" / split / f"{number}.txt").write_text("\n".join(lines) + "\n")
    data = root / "data.yaml"
    data.write_text("train: images/train\nval: images/val\nnames:\n  0: poster\n  1: sign\n")
    return data


@pytest.mark.slow
def test_train_from_the_transplant_then_evaluate(checkpoint: Path, tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "walls")
    out = tmp_path / "runs"
    trained = streetorder(
        "train", str(data), "--start", str(checkpoint), "--out", str(out), "--name", "t",
        "--epochs", "1", "--imgsz", "64", "--batch", "4", timeout_s=300.0,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert "342 tensors" in trained.stdout
    best = out / "t" / "weights" / "best.pt"
    assert best.is_file()
    # The saved model keeps YOLOv5's SPPF activation (it is pickled with the module).
    from ultralytics.nn.modules import SPPF

    model = torch.load(best, map_location="cpu", weights_only=False)["model"]
    (sppf,) = [m for m in model.modules() if isinstance(m, SPPF)]
    assert isinstance(sppf.cv1.act, nn.SiLU)
    evaluated = streetorder(
        "eval", str(best), str(data), "--out", str(tmp_path / "eval"), "--imgsz", "64",
        timeout_s=300.0,
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    assert "poster" in evaluated.stdout and "sign" in evaluated.stdout
    assert (tmp_path / "eval" / "eval" / "confusion_matrix.png").is_file()
    assert "BoxPR_curve.png" in evaluated.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("train", "missing.yaml"), "dataset missing.yaml: file not found"),
        (("train", "../shared/data/facades/data.yaml", "--start", "nope.pt"), "nope.pt"),
        (("train", "../shared/data/facades/data.yaml", "--imgsz", "100"), "imgsz"),
        (("eval", "nope.pt", "x.yaml"), "model nope.pt: file not found"),
    ],
)
def test_training_mistakes_are_one_line(args: tuple[str, ...], fragment: str) -> None:
    assert_one_line_error(streetorder(*args), fragment)


def test_an_original_checkpoint_cannot_be_evaluated_on_new_classes(checkpoint: Path) -> None:
    result = streetorder("eval", str(checkpoint), "../shared/data/facades/data.yaml")
    assert_one_line_error(result, "train it first")
