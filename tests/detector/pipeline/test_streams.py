"""Camera streams kept by the ticket service become the cameras a watch runs."""

from __future__ import annotations

import pytest

from detector.pipeline.streams import AssignedStream, CameraStream, masked_source
from detector.rules.scene import CameraInfo

LAYOUT = {
    "zones": [{"name": "pavement", "type": "pavement", "polygon": [[0, 0.5], [1, 0.5], [1, 1]]}],
    "rules": {"clutter": {"dwell_s": 60}},
}


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("rtsp://admin:hunter2@10.1.2.3:554/ch1", "rtsp://admin:***@10.1.2.3:554/ch1"),
        ("rtsp://:hunter2@cam/ch1", "rtsp://:***@cam/ch1"),
        ("rtsp://viewer@cam/ch1", "rtsp://viewer@cam/ch1"),
        ("http://cam/live.m3u8", "http://cam/live.m3u8"),
        ("/srv/recordings/east.mp4", "/srv/recordings/east.mp4"),
    ],
)
def test_the_password_of_a_source_is_hidden(source: str, shown: str) -> None:
    assert masked_source(source) == shown


def test_an_assigned_stream_runs_as_its_registered_camera() -> None:
    stream = CameraStream.model_validate(
        {"source": "rtsp://cam-9/ch1", "scene": LAYOUT, "live": {"max_connect_attempts": 3}}
    )
    info = CameraInfo(id="cam-9", name="菜场北口", key_point="market", squad="east")
    assigned = AssignedStream(camera=info, stream=stream, revision=4)
    scene = assigned.scene_config()
    assert scene.camera == info
    assert scene.rule("clutter").dwell_s == 60 and [z.name for z in scene.zones] == ["pavement"]
    camera = assigned.camera_config()
    assert (camera.id, camera.name, camera.source) == ("cam-9", "菜场北口", "rtsp://cam-9/ch1")
    # A watch's camera never gives up reconnecting, whatever a one-off run would do.
    assert camera.live.max_connect_attempts is None
    assert stream.group == "default"
