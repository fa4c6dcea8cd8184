"""The GBK<->Big5 pre-filter (:func:`zhnorm.repair.mojibake.prefilter.rare_spans`) finds
exactly the spans of its definition as one regular expression (``RR``, ``R.RR``,
``R.R.R``, ``R..RR`` tried in that order at each rare character, left to right, ``.``
any character but a line break), the form it had before it became one character class
and a check on the positions."""

from __future__ import annotations

import re
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.repair.mojibake.driver import find_mojibake
from zhnorm.repair.mojibake.prefilter import hit_is_text, rare_class, rare_spans

from .conftest import SEEDS


@cache
def _definition() -> re.Pattern[str]:
    r = rare_class().pattern
    return re.compile(f"{r}(?:{r}|.{r}(?:{r}|.{r})|..{r}{r})")


def _reference(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _definition().finditer(text)]


_RARE = ["\ufffd", "\ue000", "\uf8ff", "觊", "觎", "羣", "衆", "跷"]
_OTHER = ["的", "是", "中", "國", "a", " ", "\n", "\r", "。", "\u2028"]


def test_rare_class_holds_the_rare_and_not_the_common() -> None:
    assert all(rare_class().match(ch) for ch in _RARE)
    assert not any(rare_class().match(ch) for ch in _OTHER)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_RARE + _OTHER), max_size=16).map("".join))
def test_spans_are_the_definitions(text: str) -> None:
    assert rare_spans(text) == _reference(text)


def test_spans_on_examples() -> None:
    assert rare_spans("觊觎") == [(0, 2)]
    assert rare_spans("觊a觎b跷") == [(0, 5)]
    assert rare_spans("觊\n觎b跷") == []  # not across a line break
    assert rare_spans("觊ab觎跷") == [(0, 5)]
    assert rare_spans("觊的觎跷羣衆") == [(0, 4), (4, 6)]
    assert rare_spans("中文") == rare_spans("") == []


def test_spans_on_the_seeds() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert rare_spans(text) == _reference(text), path.name


def test_hits_that_read_as_words_are_no_evidence() -> None:
    # A reduplication and words the model knows are text; a garble's hit is not.
    for word in ("忐忑", "猞猁", "婧婧", "忡忡"):
        assert hit_is_text(word), word
    garbled = "中文網頁的標題".encode("gbk").decode("big5", "ignore")
    hits = rare_spans(garbled)
    assert hits and not all(hit_is_text(garbled[a:b]) for a, b in hits)
    # A lost mark or a private-use character is evidence however it reads.
    assert not hit_is_text("忐忑\ufffd")
    assert not hit_is_text("婧\ue000")
    # Clean text with such words is left alone, and not searched.
    text = "他心中忐忑不安，看見一隻猞猁，憂心忡忡。"
    assert find_mojibake(text) == []
