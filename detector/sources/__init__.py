"""Camera sources: files, image folders and live streams, all decoded through PyAV."""

from detector.sources.config import CameraConfig, EvidenceConfig, LiveConfig, SamplingConfig
from detector.sources.factory import VideoSource, create_source
from detector.sources.frames import EncodedPacket, Frame, StreamTemplate
from detector.sources.health import CameraHealth, CameraState, HealthBoard
from detector.sources.sampling import SamplingMode

__all__ = [
    "CameraConfig",
    "CameraHealth",
    "CameraState",
    "EncodedPacket",
    "EvidenceConfig",
    "Frame",
    "HealthBoard",
    "LiveConfig",
    "SamplingConfig",
    "SamplingMode",
    "StreamTemplate",
    "VideoSource",
    "create_source",
]
