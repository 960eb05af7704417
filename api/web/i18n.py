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
    if language != "zh-CN":
        return lambda text: text
    table = chinese()
    return lambda text: table.get(text, text)


def catalogue(language: str) -> dict[str, str]:
    """What the page's scripts need to translate their own texts."""
    return chinese() if language == "zh-CN" else {}


def taxonomy_names(language: str) -> dict[str, str]:
    """Violation and key-point category codes with their names, from datasets/taxonomy.yaml
    (the single source of class truth, which carries both languages)."""
    taxonomy = load_taxonomy()
    chinese_names = language == "zh-CN"
    names = {v.code: v.zh if chinese_names else v.en for v in taxonomy.violations}
    names |= {k.code: k.zh if chinese_names else k.en for k in taxonomy.key_points}
    return names
