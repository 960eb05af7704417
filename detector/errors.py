"""The small exception hierarchy. Every message is one line a user can act on."""


class StreetOrderError(Exception):
    """Base of all errors that describe a user-fixable problem; ``str()`` is one line."""


class ConfigError(StreetOrderError):
    """A configuration file or value is invalid; the message names file, field and value."""


class SourceError(StreetOrderError):
    """A camera source cannot be read; the message names the camera and the cause."""

    def __init__(self, camera_id: str, cause: str) -> None:
        super().__init__(f"camera {camera_id}: {cause}")
        self.camera_id = camera_id
        self.cause = cause


class SourceUnavailableError(SourceError):
    """A transient failure (stream refused, dropped or stalled): a live source retries it."""


class EvidenceError(StreetOrderError):
    """An evidence clip or bundle cannot be written or read."""
