"""Model registry: one card per model in ``models/`` (YAML front matter + prose), weights in the
data directory (``var/models/`` or ``STREETORDER_MODELS_DIR``), never in git."""

from detector.models.card import CardError, ModelCard, load_card, parse_card
from detector.models.registry import (
    WeightsStatus,
    check_weights,
    dataset_sha256,
    load_cards,
    models_dir,
    sha256_file,
)

__all__ = [
    "CardError",
    "ModelCard",
    "WeightsStatus",
    "check_weights",
    "dataset_sha256",
    "load_card",
    "load_cards",
    "models_dir",
    "parse_card",
    "sha256_file",
]
