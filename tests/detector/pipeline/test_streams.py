"""Camera streams kept by the ticket service become the cameras a watch runs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from detector.pipeline.streams import AssignedStream, CameraStream
from detector.rules.scene import CameraInfo

LAYOUT = {
    "zones": [{"name": "pavement", "type": "pavement", "polygon": [[0, 0.5], [1, 0.5], [1, 1]]}],
    "rules": {"clutter": {"dwell_s": 60}},
}


def test_an_assigned_stream_runs_as_its_registered_camera() -> None:
    stream = CameraStream.model_validate(
        {
            "source": "rtsp://cam-9/ch1",
            "group": "east",
            "scene": LAYOUT,
            "live": {"max_connect_attempts": 3},
        }
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
    assert stream.group == "east"


def test_a_stream_names_its_group() -> None:
    # A camera must not land on a watch group by accident.
    with pytest.raises(ValidationError, match="group"):
        CameraStream.model_validate({"source": "rtsp://cam-9/ch1", "scene": LAYOUT})


@pytest.mark.parametrize(
    "source",
    [
        "rtsp://admin:pa[ss@10.0.0.1/s",  # an unclosed IPv6 bracket to urlsplit
        "rtsp://admin:pa#ss@10.0.0.1/s",  # the password cut short: port "pa"
        "rtsp://admin:pa/ss@10.0.0.1/s",
        "rtsp://10.0.0.1:99999/s",
        "rtsp:///s",
    ],
)
def test_a_source_url_the_nodes_cannot_parse_is_refused(source: str) -> None:
    with pytest.raises(ValidationError, match="not a URL the nodes can parse") as caught:
        CameraStream.model_validate({"source": source, "group": "east", "scene": LAYOUT})
    assert caught.value.error_count() == 1


@pytest.mark.parametrize(
    "source",
    ["rtsp://admin:p%5Bss@10.0.0.1/s", "rtsp://[fe80::1]:554/s", "/srv/recordings/east.mp4"],
)
def test_encoded_passwords_ipv6_hosts_and_absolute_paths_are_taken(source: str) -> None:
    stream = CameraStream.model_validate({"source": source, "group": "east", "scene": LAYOUT})
    assert stream.source == source
