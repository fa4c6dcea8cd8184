"""Which script a text is written in, from characters that exist in only one script.

A character counts as *simplified-only* when OpenCC's dictionaries use it as a
simplified form and never as a traditional (or regional traditional) form, and
*traditional-only* the other way round.  Characters shared by both scripts, and the
one-to-many leftovers such as 干 后 于 里 并 (which are also valid traditional
characters), count for neither side.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..cache import cached_strings
from ..chardata import is_han
from .dictionary import builtin_entries, data_file

__all__ = ["ScriptReport", "detect_script", "script_character_sets"]

Script = Literal["simplified", "traditional", "mixed", "none"]

# The minority script may hold up to this share of the evidence before a text is
# called "mixed": garbled or half-converted text keeps some stray characters.
MINORITY_SHARE = 0.2


@dataclass(frozen=True)
class ScriptReport:
    script: Script
    simplified: int
    """Occurrences of simplified-only characters."""
    traditional: int
    """Occurrences of traditional-only characters."""
    han: int
    """All Han ideographs in the text (shared ones included)."""
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    """Up to ten most frequent characters on each side."""

    @property
    def confidence(self) -> float:
        """Share of the evidence that agrees with ``script`` (0.0 for ``"none"``)."""
        total = self.simplified + self.traditional
        if total == 0:
            return 0.0
        return max(self.simplified, self.traditional) / total

    def to_dict(self) -> dict[str, object]:
        return {
            "script": self.script,
            "simplified": self.simplified,
            "traditional": self.traditional,
            "han": self.han,
            "confidence": round(self.confidence, 4),
            "examples": {k: "".join(v) for k, v in self.examples.items()},
        }


@functools.lru_cache(maxsize=1)
def script_character_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(simplified-only, traditional-only) characters, from OpenCC's character tables.

    A character is simplified-only when s2t maps it to exactly one other character and
    t2s never changes it; traditional-only likewise with the tables swapped.  Entries
    with several candidates (干 -> 幹 乾 干, 并 -> 並 併 幷) are ambiguous and count for
    neither script.
    """
    files = ("STCharacters.txt", "TSCharacters.txt")
    simplified, traditional = cached_strings(
        "script-characters", "", _script_only, sources=[data_file(name) for name in files]
    )
    return frozenset(simplified), frozenset(traditional)


def _script_only() -> list[str]:
    """:func:`script_character_sets` from the tables, each set as one sorted string."""
    st = dict(builtin_entries("STCharacters.txt"))
    ts = dict(builtin_entries("TSCharacters.txt"))

    def only(table: dict[str, tuple[str, ...]], other: dict[str, tuple[str, ...]]) -> str:
        return "".join(
            sorted(
                c
                for c, values in table.items()
                if len(c) == 1 and len(values) == 1 and values[0] != c and c not in other
            )
        )

    return [only(st, ts), only(ts, st)]


def detect_script(text: str) -> ScriptReport:
    """Count simplified-only and traditional-only characters and name the script.

    >>> detect_script("汉字").script
    'simplified'
    >>> detect_script("漢字").script
    'traditional'
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    simplified_only, traditional_only = script_character_sets()
    counts = Counter(text)
    s_counts = {c: n for c, n in counts.items() if c in simplified_only}
    t_counts = {c: n for c, n in counts.items() if c in traditional_only}
    s_total = sum(s_counts.values())
    t_total = sum(t_counts.values())
    han = sum(n for c, n in counts.items() if is_han(c))
    total = s_total + t_total
    script: Script
    if total == 0:
        script = "none"
    elif t_total <= MINORITY_SHARE * total:
        script = "simplified"
    elif s_total <= MINORITY_SHARE * total:
        script = "traditional"
    else:
        script = "mixed"
    examples = {
        "simplified": _top(s_counts),
        "traditional": _top(t_counts),
    }
    return ScriptReport(script, s_total, t_total, han, examples)


def detect_batch(texts: Iterable[str]) -> list[ScriptReport]:
    """:func:`detect_script` of each text, in order.

    >>> [report.script for report in detect_batch(["汉字", "漢字", "abc"])]
    ['simplified', 'traditional', 'none']
    """
    return [detect_script(text) for text in texts]


def _top(counts: dict[str, int], n: int = 10) -> tuple[str, ...]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(c for c, _ in ranked[:n])
