"""The matching key deduplication uses by default."""

from __future__ import annotations

from collections.abc import Sequence

from ..key import KeyConfig, match_keys
from ..repair import FixConfig

__all__ = ["DEDUP_KEY_CONFIG", "dedup_keys"]

DEDUP_KEY_CONFIG = KeyConfig(fix=FixConfig(byteshift=False))
"""The default key of deduplication: every repair except the GBK byte-shift search,
which costs about six times the rest of the key (327 vs 55 us per 900-character
document, measured) for a damage that is rare; pass ``KeyConfig()`` to include it."""


def dedup_keys(texts: Sequence[str], config: KeyConfig | None = None) -> list[str]:
    """:func:`zhnorm.match_keys` of ``texts`` under ``config`` (default
    :data:`DEDUP_KEY_CONFIG`)."""
    return match_keys(texts, DEDUP_KEY_CONFIG if config is None else config)
