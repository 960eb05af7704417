"""Joining a Ray cluster and placing camera actors on it; the only module that imports Ray
besides ``engine``."""

from __future__ import annotations

import logging
import re
import socket
from functools import cache
from typing import Any

from detector.engine.restarts import RestartPolicy
from detector.engine.specs import WorkerSpec
from detector.engine.worker import CameraWorker
from detector.errors import StreetOrderError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
SCHEDULING = {"spread": "SPREAD", "pack": "DEFAULT"}
"""Ray's scheduling strategy for each ``ray.placement``."""


class EngineError(StreetOrderError):
    """Ray is missing or its cluster cannot be reached."""


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError(
            "--engine ray needs Ray on this machine: pip install 'streetorder[ray]'"
        ) from None
    return ray


def connect(address: str | None) -> None:
    """Join the cluster at ``address`` (``auto``, ``host:port``, ``ray://host:port``); without
    one, start a local cluster sized by Ray from this machine."""
    ray = import_ray()
    if ray.is_initialized():
        return
    endpoint = None if address is None else cluster_endpoint(address)
    if endpoint is not None:
        _check_listening(address or "", *endpoint)
    try:
        if address is None:
            # Plain ray.init() would join a cluster `ray start` left on this machine.
            ray.init(address="local", include_dashboard=False, log_to_driver=True)
        else:
            ray.init(address=address, log_to_driver=True)
    except (ConnectionError, TimeoutError, RuntimeError, ValueError) as exc:
        where = "a local cluster" if address is None else f"the Ray cluster at {address}"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(f"cannot reach {where}: {reason}") from None


def cluster_endpoint(address: str) -> tuple[str, int] | None:
    """Host and port of ``host:port`` or ``ray://host:port``; None for ``auto`` and the like."""
    match = re.fullmatch(r"(?:ray://)?\[?([^\[\]/]+?)\]?:(\d{1,5})/?", address.strip())
    if match is None:
        return None
    return match.group(1), int(match.group(2))


def _check_listening(address: str, host: str, port: int) -> None:
    # Ray retries an address nobody answers at for minutes; a closed port should be one line.
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise EngineError(f"cannot reach the Ray cluster at {address}: {reason}") from None


def actor_options(spec: WorkerSpec) -> dict[str, Any]:
    """How a camera's actor is placed and kept: where its CPUs, GPUs, memory and custom
    resources are free, spread over nodes or packed; Ray brings it back after any death
    (``max_restarts=-1``), its node's included, on a node that is still alive, where the worker
    resumes from its spool; calls made meanwhile wait for it (``max_task_retries=-1``)."""
    options: dict[str, Any] = {
        "max_restarts": -1,
        "max_task_retries": -1,
        "num_cpus": spec.ray.num_cpus,
        "num_gpus": spec.ray.num_gpus,
        "scheduling_strategy": SCHEDULING[spec.ray.placement],
    }
    if spec.ray.memory_mb is not None:
        options["memory"] = int(spec.ray.memory_mb * 2**20)  # Ray counts bytes
    if spec.ray.resources:
        options["resources"] = dict(spec.ray.resources)
    return options


def start_actor(spec: WorkerSpec, policy: RestartPolicy) -> Any:
    """A camera actor placed and kept as ``actor_options`` says."""
    return _actor_class().options(**actor_options(spec)).remote(spec, policy, on_ray=True)


def current_node_id() -> str | None:
    """The Ray node this process runs on (hex id); None outside a Ray worker or driver."""
    ray = import_ray()
    if not ray.is_initialized():
        return None
    return str(ray.get_runtime_context().get_node_id())


@cache
def _actor_class() -> Any:
    """The worker class made remote once per driver (Ray exports its definition each time)."""
    return import_ray().remote(CameraWorker)


def disconnect() -> None:
    """Leave the cluster (and stop it, when ``connect`` started a local one)."""
    ray = import_ray()
    if ray.is_initialized():
        ray.shutdown()
