"""A restricted unpickler for checkpoints that ``torch.load`` would otherwise execute.

A ``.pt`` file is a pickle, and a pickle can name any importable callable and call it while
loading (``os.system`` through ``__reduce__``). Here every name the pickle asks for goes through
one allow-list of data types, tensor rebuilders and known layer classes; the first name outside
it stops the load before anything it names has run.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import collections
import pickle
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any, ClassVar

import numpy as np
import torch
from torch import nn

from detector.analyzers.objects.errors import ModelError, UnsafeModelError, one_line

_TORCH_LAYERS: tuple[type[nn.Module], ...] = (
    nn.Conv2d,
    nn.BatchNorm2d,
    nn.SiLU,
    nn.Identity,
    nn.MaxPool2d,
    nn.Upsample,
    nn.Sequential,
    nn.ModuleList,
)
_TORCH_DTYPES = ("float16", "float32", "float64", "bfloat16", "int64", "int32", "uint8", "bool")


def _base_globals() -> dict[tuple[str, str], object]:
    allowed: dict[tuple[str, str], object] = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        # Protocol 2 stores bytes (numpy buffers) as latin-1 text re-encoded on load.
        ("_codecs", "encode"): codecs.encode,
        ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
        ("torch", "Size"): torch.Size,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }
    scalar = np.float64(0).__reduce__()[0]
    reconstruct = np.ndarray((0,)).__reduce__()[0]
    for numpy_core in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(numpy_core, "scalar")] = scalar
        allowed[(numpy_core, "_reconstruct")] = reconstruct
    for dtype in _TORCH_DTYPES:
        allowed[("torch", dtype)] = getattr(torch, dtype)
    for layer in _TORCH_LAYERS:
        allowed[(layer.__module__, layer.__name__)] = layer
    return allowed


BASE_GLOBALS: Mapping[tuple[str, str], object] = _base_globals()
"""Names any checkpoint may use: containers, tensors, numpy arrays and plain torch layers."""


def python3_name(module: str, name: str) -> tuple[str, str]:
    """The Python 3 spelling of a global from a protocol 2 pickle (torch.save's default),
    which writes ``builtins.eval`` as ``__builtin__.eval`` and ``subprocess`` as ``commands``."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class RefusedGlobalError(pickle.UnpicklingError):
    """The pickle named something outside the allow-list; raised before it could be called."""

    def __init__(self, qualified_name: str) -> None:
        super().__init__(f"refused {qualified_name}")
        self.qualified_name = qualified_name


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only names in ``allowed``; anything else raises ``RefusedGlobalError``."""

    allowed: ClassVar[Mapping[tuple[str, str], object]] = BASE_GLOBALS

    def find_class(self, module: str, name: str) -> Any:
        module, name = python3_name(module, name)
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise RefusedGlobalError(f"{module}.{name}") from None


# What torch.load raises on bytes that are not a checkpoint, or a checkpoint whose allowed
# parts do not fit together; all mean "this file cannot be loaded", never a bug here.
_BROKEN_FILE_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    RuntimeError,
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    zipfile.BadZipFile,
)


def restricted_load(path: Path, extra_globals: Mapping[tuple[str, str], object]) -> object:
    """``torch.load`` of ``path`` on the CPU through the allow-list plus ``extra_globals``.

    Raises ``UnsafeModelError`` naming the first refused name, or ``ModelError`` for a
    missing or unreadable file; both messages are one line starting with the path.
    """
    unpickler = type(
        "CheckpointUnpickler",
        (RestrictedUnpickler,),
        {"allowed": {**BASE_GLOBALS, **extra_globals}},
    )

    def load(file: IO[bytes], **kwargs: Any) -> Any:
        return unpickler(file, **kwargs).load()

    # torch.load wants a module-like object; only these attributes are read from it.
    pickle_module = SimpleNamespace(__name__=__name__, Unpickler=unpickler, load=load)
    if not path.is_file():
        reason = "is a folder, not a checkpoint file" if path.is_dir() else "file not found"
        raise ModelError(f"{path}: {reason}")
    try:
        return torch.load(path, map_location="cpu", pickle_module=pickle_module, weights_only=False)
    except RefusedGlobalError as exc:
        raise UnsafeModelError(
            f"{path}: refused to load: the checkpoint names {exc.qualified_name}, which is not an "
            "allowed model class or data type (nothing in the file was run)"
        ) from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read: {one_line(exc)}") from None
    except _BROKEN_FILE_ERRORS as exc:
        raise ModelError(
            f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__}: {one_line(exc)})"
        ) from None
