"""A whole Ray worker node dies: its cameras come back on a node still alive and resume from
their durable outbox, so no accepted incident is lost and none reaches the service twice. The
cluster is a head and a worker node on 127.0.0.1, both started by this module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from detector.engine.engine import RayEngine
from tests.detector.engine.conftest import (
    FAST_PACING,
    Service,
    assert_each_incident_once,
    until_every_camera_delivered,
    until_every_camera_raised,
    write_cameras,
)

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

pytestmark = pytest.mark.slow

# Ray declares a node dead after its health checks fail for about 30 s; a test can't wait that
# long, so the head checks every 0.5 s and gives up after two misses.
FAST_NODE_DEATH = {
    "health_check_initial_delay_ms": 0,
    "health_check_period_ms": 500,
    "health_check_timeout_ms": 500,
    "health_check_failure_threshold": 2,
}
# The head alone could take all three cameras (0.5 CPU each), as it must once the worker node
# is gone; Ray's default placement would then keep them all on the driver's node, so only
# "spread" puts some on the worker node.
HEAD_CPUS = 4
WORKER_CPUS = 2


@dataclass(frozen=True)
class TwoNodes:
    cluster: Any
    """The ``ray.cluster_utils.Cluster``."""
    head_id: str
    worker: Any
    """The worker node (``ray._private.node.Node``)."""
    worker_id: str


@pytest.fixture(scope="module")
def head() -> Iterator[Any]:
    """A head node with this driver connected; no other Ray cluster may run meanwhile (the
    engine tests start their own after this module has shut it down)."""
    cluster = cluster_utils.Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": HEAD_CPUS,
            "include_dashboard": False,
            "_system_config": FAST_NODE_DEATH,
        },
    )
    try:
        ray.init(address=cluster.address, log_to_driver=False)
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.fixture
def two_nodes(head: Any) -> Iterator[TwoNodes]:
    """A fresh worker node beside the head for each test (the test kills it)."""
    worker = head.add_node(num_cpus=WORKER_CPUS)
    head.wait_for_nodes()
    try:
        yield TwoNodes(head, head.head_node.node_id, worker, worker.node_id)
    finally:
        if worker in head.worker_nodes:
            head.remove_node(worker)


def test_a_dead_node_cameras_resume_on_the_head_and_every_incident_arrives_once(
    two_nodes: TwoNodes, tmp_path: Path, street_clip: Path, service: Service
) -> None:
    cameras = ["cam-a", "cam-b", "cam-c"]
    # At its own pace each recording lasts 16 s and its box is raised at about 6 s and ended
    # at about 13 s: the node dies in between, while its cameras are mid-stream.
    cameras_file = write_cameras(
        tmp_path, street_clip, cameras, ray="{num_cpus: 0.5, replay_speed: 1}"
    )
    engine = RayEngine(cameras_file, api_url=service.url, api_key=service.key, policy=FAST_PACING)
    engine.start()
    try:
        first = until_every_camera_raised(engine)
        on_worker = {c for c, row in first.items() if row.ray_node_id == two_nodes.worker_id}
        on_head = {c for c, row in first.items() if row.ray_node_id == two_nodes.head_id}
        # Placement "spread" (the default) put cameras on both nodes.
        assert on_worker and on_head and on_worker | on_head == set(cameras), first
        assert not any(first[c].ended for c in on_worker)

        two_nodes.cluster.remove_node(two_nodes.worker, allow_graceful=False)

        last = until_every_camera_delivered(engine, timeout_s=90.0)
    finally:
        engine.stop()
    for camera in on_worker:  # back on the head, a new process that caught up from its spool
        assert last[camera].ray_node_id == two_nodes.head_id
        assert last[camera].pid != first[camera].pid and last[camera].restarts >= 1
        assert last[camera].replayed_frames
        assert not _alive(first[camera].pid)  # the dead node's actor did not linger on
    for camera in on_head:  # untouched by the other node's death
        assert last[camera].pid == first[camera].pid and last[camera].restarts == 0
    # One box per camera, seen under the same id after the move.
    assert_each_incident_once(service, tmp_path / "out", last, incidents=3)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
