"""``streetorder export MODEL.pt``: ONNX and OpenVINO exports beside the ``.pt``, checked.

Ultralytics' exporter writes ``MODEL.onnx`` and ``MODEL_openvino_model/`` next to the weights
(where the objects analyzer looks for them, ``detector.analyzers.objects.runtime``), then every
export is run on a few test images and compared with the ``.pt``
(``detector.training.export_check``); a mismatch is an ``ExportMismatchError``.

Nothing is installed or downloaded. Ultralytics pip-installs a missing exporter requirement
("AutoUpdate") unless auto-install is off: the requirements it asks for are checked here first
(a missing one is a one-line error naming it), and auto-install is switched off while it runs.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, get_args

from packaging.requirements import Requirement

from detector.analyzers.objects.backends import check_ultralytics_pt, is_yolov5_checkpoint
from detector.analyzers.objects.runtime import export_of
from detector.training.export_check import (
    ExportError,
    ExportFormat,
    ExportMismatchError,
    FormatCheck,
    check_export,
    default_images,
    letterboxed,
    mismatch_message,
    pytorch_outputs,
    read_images,
)

log = logging.getLogger(__name__)

FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)

REQUIREMENTS: dict[ExportFormat, tuple[str, ...]] = {
    # What Ultralytics 8.4's export_onnx asks for (simplify on), and the runtime the check uses.
    "onnx": ("onnx>=1.12.0,<2.0.0", "onnxslim>=0.1.82", "onnxruntime"),
    "openvino": ("openvino>=2024.0.0",),
}


@dataclass(frozen=True)
class ExportReport:
    model: Path
    imgsz: int
    images: int
    checks: tuple[FormatCheck, ...]


def export_path(pt: Path, fmt: ExportFormat) -> Path:
    """Where Ultralytics puts ``fmt``'s export of ``pt`` (and where the analyzer looks)."""
    return export_of(pt, fmt)


def parse_formats(text: str) -> tuple[ExportFormat, ...]:
    """``"onnx,openvino"`` → the formats, in order, each once; unknown names are an error."""
    wanted: list[ExportFormat] = []
    for name in (part.strip().lower() for part in text.split(",")):
        match = next((fmt for fmt in FORMATS if fmt == name), None)
        if match is None:
            raise ExportError(
                f"--formats: unknown format {name!r}; choose from {', '.join(FORMATS)}"
            )
        if match not in wanted:
            wanted.append(match)
    return tuple(wanted)


def missing_requirements(fmt: ExportFormat) -> list[str]:
    """The requirements of ``fmt`` that are not installed in a matching version."""
    missing = []
    for text in REQUIREMENTS[fmt]:
        requirement = Requirement(text)
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            missing.append(text)
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{text} (installed {version})")
    return missing


@contextmanager
def no_auto_install() -> Iterator[None]:
    """Ultralytics' requirement checks report instead of pip-installing, for the duration."""
    from ultralytics.utils import checks

    module: Any = checks
    saved = module.AUTOINSTALL
    module.AUTOINSTALL = False
    try:
        yield
    finally:
        module.AUTOINSTALL = saved


def check_source(pt: Path) -> None:
    """A ``.pt`` Ultralytics can export, refused before anything in it runs if it is not."""
    if not pt.is_file():
        raise ExportError(f"model {pt}: file not found")
    if pt.suffix.lower() != ".pt":
        raise ExportError(f"model {pt}: export takes an Ultralytics .pt file")
    if is_yolov5_checkpoint(pt):
        raise ExportError(
            f"model {pt}: an original YOLOv5 checkpoint cannot be exported; train from it first "
            "(streetorder train DATA.yaml --start MODEL) and export the result"
        )
    check_ultralytics_pt(pt)


def _export_one(model: Any, pt: Path, fmt: ExportFormat, imgsz: int) -> Path:
    try:
        with warnings.catch_warnings():
            # torch.jit.trace's deprecation notice, raised by OpenVINO's converter, not by us.
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")
            written = model.export(
                format=fmt, imgsz=imgsz, device="cpu", dynamic=False, simplify=True, verbose=False
            )
    # The exporter reports failures of its converters in their own types; these are the ones
    # torch.onnx, onnxslim and OpenVINO's converter raise for a model they cannot convert.
    except (RuntimeError, ValueError, TypeError, AssertionError, OSError, ImportError) as exc:
        raise ExportError(f"{fmt} export of {pt} failed: {exc}".splitlines()[0]) from None
    path = Path(str(written))
    if path.resolve() != export_path(pt, fmt).resolve():
        raise ExportError(f"{fmt} export of {pt} went to {path}, not {export_path(pt, fmt)}")
    return path


def export_model(
    pt: Path,
    formats: Sequence[ExportFormat] = FORMATS,
    imgsz: int = 640,
    images: Sequence[Path] = (),
) -> ExportReport:
    """Export ``pt`` to each format and check each against it; raises on the first mismatch
    (after all are checked, so the report's log names every difference)."""
    from ultralytics.models import YOLO

    check_source(pt)
    for fmt in formats:
        missing = missing_requirements(fmt)
        if missing:
            raise ExportError(f"{fmt} export needs {', '.join(missing)}; install it (pip)")
    test_images = read_images(images) if images else default_images()
    with no_auto_install():
        model = YOLO(str(pt), task="detect")
        paths = {fmt: _export_one(model, pt, fmt, imgsz) for fmt in formats}
        return verify_exports(pt, paths, imgsz, test_images)


def verify_exports(
    pt: Path, paths: dict[ExportFormat, Path], imgsz: int, images: Sequence[Any]
) -> ExportReport:
    """Run ``pt`` and each export on the same letterboxed images; raise on a mismatch."""
    check_source(pt)
    inputs = letterboxed(images, imgsz)
    reference = pytorch_outputs(pt, inputs)
    checks = tuple(check_export(fmt, path, reference, inputs) for fmt, path in paths.items())
    for check in checks:
        log.info(
            "%s: max score difference %.3g, box %.3g px (f32); at %s %.3g, %.3g px",
            check.path,
            check.difference.score,
            check.difference.box_px,
            check.runtime_precision,
            check.runtime_difference.score,
            check.runtime_difference.box_px,
        )
    failed = [check for check in checks if not check.ok]
    if failed:
        raise ExportMismatchError(mismatch_message(failed[0], pt))
    return ExportReport(model=pt, imgsz=imgsz, images=len(inputs), checks=checks)
