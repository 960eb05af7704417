"""Interface text in Chinese (zh-CN, the default) and English.

Templates and scripts write English; ``api/web/i18n/*.yaml`` map each English text to its
Chinese. One file per page keeps pages from stepping on each other; a text missing from the
catalogues shows in English rather than failing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml

from detector.errors import ConfigError
from detector.incidents.taxonomy import load_taxonomy

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
LANGUAGE_COOKIE = "streetorder_lang"
CATALOGUES = Path(__file__).parent / "i18n"
LABELS = Path(__file__).parent / "labels.yaml"

Translate = Callable[[str], str]


@cache
def chinese() -> dict[str, str]:
    """Every English text with its Chinese, from all catalogue files."""
    merged: dict[str, str] = {}
    for path in sorted(CATALOGUES.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(entries, dict):
            raise ConfigError(f"{path}: expected a mapping of English text to Chinese")
        for english, translated in entries.items():
            if not isinstance(translated, str):
                raise ConfigError(f"{path}: {english!r}: the translation must be text")
            merged[str(english)] = translated
    return merged


def pick_language(asked: str | None) -> str:
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def translator(language: str) -> Translate:
    """English text → the language's text; a code (``pending_review``) → its name."""
    names = taxonomy_names(language)
    if language != "zh-CN":
        return lambda text: names.get(text, text)
    table = chinese()
    return lambda text: table.get(text) or names.get(text, text)


def catalogue(language: str) -> dict[str, str]:
    """What the page's scripts need to translate their own texts."""
    return chinese() if language == "zh-CN" else {}


@cache
def _code_labels() -> dict[str, dict[str, str]]:
    entries = yaml.safe_load(LABELS.read_text(encoding="utf-8")) or {}
    if not isinstance(entries, dict) or not all(
        isinstance(v, dict) and set(v) == {"zh", "en"} for v in entries.values()
    ):
        raise ConfigError(f"{LABELS}: expected code: {{zh: …, en: …}} entries")
    return {
        str(code): {str(k): str(v) for k, v in labels.items()} for code, labels in entries.items()
    }


def taxonomy_names(language: str) -> dict[str, str]:
    """Every code people may see with its name: violation types and key-point categories from
    datasets/taxonomy.yaml (the single source of class truth), statuses, priorities, roles and
    reasons from labels.yaml."""
    taxonomy = load_taxonomy()
    chinese_names = language == "zh-CN"
    names = {v.code: v.zh if chinese_names else v.en for v in taxonomy.violations}
    names |= {k.code: k.zh if chinese_names else k.en for k in taxonomy.key_points}
    key = "zh" if chinese_names else "en"
    names |= {code: labels[key] for code, labels in _code_labels().items()}
    return names
