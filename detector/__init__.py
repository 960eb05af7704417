"""StreetOrder camera side: sources → analyzers → scene rules → incidents → evidence → outbox."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("streetorder")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
