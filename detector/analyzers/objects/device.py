"""Which device a model runs on: the configured one, checked against this node when the model
is opened (the config itself is only checked for its form, so it loads on any machine).

``auto`` is ``cuda:0`` where torch sees a CUDA device, else ``cpu``; ``cuda`` is ``cuda:0``.
PyTorch models (an original YOLOv5 checkpoint or an Ultralytics ``.pt``) run on either; ONNX
Runtime needs its CUDA execution provider (the ``onnxruntime-gpu`` build) for a GPU; OpenVINO
runs on the CPU only in this deployment.
"""

from __future__ import annotations

from pathlib import Path

from detector.analyzers.objects.errors import DeviceError

NO_CUDA = "no CUDA device on this node (torch.cuda.is_available() is False)"


def cuda_index(device: str) -> int:
    """N of ``cuda:N``; 0 for a bare ``cuda``."""
    return int(device.partition(":")[2] or 0)


def resolve_device(requested: str, model_path: Path) -> str:
    """``cpu`` or ``cuda:N`` for a configured device; ``DeviceError`` (one line naming the
    device, the model and the cause) if this node has no such device."""
    import torch

    if requested == "cpu":
        return "cpu"
    available = torch.cuda.is_available()
    if requested == "auto":
        return "cuda:0" if available else "cpu"
    if not available:
        raise DeviceError(f"{model_path}: device {requested}: {NO_CUDA}")
    index, count = cuda_index(requested), torch.cuda.device_count()
    if index >= count:
        raise DeviceError(
            f"{model_path}: device {requested}: this node has {count} CUDA device(s), "
            f"cuda:0 to cuda:{count - 1}"
        )
    return f"cuda:{index}"


def onnx_cuda_available() -> bool:
    """True if this ONNX Runtime build has the CUDA execution provider."""
    import onnxruntime  # type: ignore[import-untyped]

    providers: list[str] = onnxruntime.get_available_providers()
    return "CUDAExecutionProvider" in providers


def runtime_device_problem(runtime: str, device: str) -> str | None:
    """Why ``runtime`` (pytorch, onnx, openvino) cannot run on the resolved ``device``."""
    if device == "cpu" or runtime == "pytorch":
        return None
    if runtime == "openvino":
        return "OpenVINO runs on the CPU only here; use device: cpu, or the .pt or .onnx model"
    if not onnx_cuda_available():
        # Ultralytics would fall back to the CPU with a warning, or try to install
        # onnxruntime-gpu; a GPU that was asked for and is not used must be said, not hidden.
        return (
            "this ONNX Runtime has no CUDAExecutionProvider (install onnxruntime-gpu, "
            "or use device: cpu)"
        )
    return None


def check_runtime_device(path: Path, runtime: str, device: str) -> None:
    """``DeviceError`` naming ``path`` if ``runtime`` cannot run on ``device``."""
    problem = runtime_device_problem(runtime, device)
    if problem is not None:
        raise DeviceError(f"{path}: device {device}: {problem}")
