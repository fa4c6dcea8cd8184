"""The GBK<->Big5 pre-filter (:func:`zhnorm.repair.mojibake.prefilter.rare_spans`) finds
exactly the spans of its definition as one regular expression (``RR``, ``R.RR``,
``R.R.R``, ``R..RR``, then ``R.R`` and ``R..R`` whose every character a Big5 reader shows
for GBK of a common character, tried in that order at each rare character, left to
right, ``.`` any character but a line break), the form it had before it became one
character class and a check on the positions; the compiled scan gives the same spans."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.repair import fix_text
from zhnorm.repair.mojibake import prefilter
from zhnorm.repair.mojibake.common import char_class
from zhnorm.repair.mojibake.driver import find_mojibake
from zhnorm.repair.mojibake.prefilter import hit_is_text, rare_class, rare_spans

from .conftest import SEEDS


@cache
def _definition() -> re.Pattern[str]:
    r = rare_class().pattern
    shown = "[" + char_class(list(prefilter.gbk_shown_as_big5())) + "]"
    return re.compile(
        f"{r}(?:{r}|.{r}(?:{r}|.{r})|..{r}{r})|(?={shown}{{3}}){r}.{r}|(?={shown}{{4}}){r}..{r}"
    )


def _reference(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _definition().finditer(text)]


# Rare characters (the last three also shown by a Big5 reader for GBK of a common one),
# and other characters (the last three so shown; all of 扂蠅婓控儔奀潔 = 我们在北京时间).
_RARE = ["\ufffd", "\ue000", "\uf8ff", "觊", "觎", "羣", "衆", "跷", "扂", "婓", "奀"]
_OTHER = ["的", "是", "中", "國", "a", " ", "\n", "\r", "。", "\u2028", "控", "儔", "蠅"]


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
    # Two rare characters within four count where the stretch reads as GBK shown by a
    # Big5 reader (a garbled sentence whose rare characters stand apart), not elsewhere.
    assert rare_spans("扂蠅婓控儔奀潔") == [(0, 3)]
    assert rare_spans("扂蠅控婓") == [(0, 4)]
    assert rare_spans("扂蠅\n婓") == rare_spans("扂的婓") == []
    assert rare_spans("觊的觎") == rare_spans("觊的的觎") == []


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


# --- the compiled scan (zhnorm.kernels._scan) equals its Python twins -------------------
#
# The trigger regex, ``_rare_spans_python`` and ``_evidence_python`` are the definitions;
# the compiled scan must give the same spans and answers on any text and window.


def _class_samples() -> list[str]:
    """A few characters of every class the trigger and the rare spans use (both ends of
    each class and some between), so random strings form their shapes often (rare
    characters a Big5 reader shows for GBK too, for ``R.R``)."""
    first, shapes = prefilter.trigger_shapes()
    shown = prefilter.gbk_shown_as_big5()
    classes = [first, prefilter.rare_chars(), shown, shown & prefilter.rare_chars()]
    classes += [c for shape in shapes for c in (shape.behind, *shape.then)]
    picked: set[int] = set()
    for cps in classes:
        ordered = sorted(cps)
        picked.update(ordered[:: max(1, len(ordered) // 6)])
        picked.add(ordered[-1])
    return sorted(map(chr, picked))


_SAMPLES = _class_samples()
_ORDINARY = ["的", "是", "中", "國", "a", "0", "7", " ", "\n", "\r", "。", "𠀀", "\u2028", "\x00"]
_SCAN_TEXT = st.lists(st.sampled_from(_SAMPLES + _ORDINARY * 4), max_size=24).map("".join)


def _python(text: str, lo: int, hi: int) -> tuple[object, ...]:
    trigger = prefilter.trigger()
    rare = [(a + lo, b + lo) for a, b in prefilter._rare_spans_python(text[lo:hi])]
    return (
        [m.span() for m in trigger.finditer(text)],
        [m.span() for m in trigger.finditer(text, lo, hi)],
        prefilter._rare_spans_python(text),
        rare,
        prefilter._evidence_python(text, lo, hi),
    )


def _compiled(text: str, lo: int, hi: int) -> tuple[object, ...]:
    scanner = prefilter._scanner()
    assert scanner is not None, "the kernels were not built (needs gcc)"
    return (
        scanner.trigger_spans(text),
        scanner.trigger_spans(text, lo, hi),
        scanner.rare_spans(text),
        scanner.rare_spans(text, lo, hi),
        scanner.evidence(text, lo, hi),
    )


def _windows(text: str) -> list[tuple[int, int]]:
    n = len(text)
    return [(0, n), (min(3, n), n), (0, max(0, n - 2)), (n // 3, n // 2), (n // 2, n // 2)]


def _assert_twins(text: str) -> None:
    for lo, hi in _windows(text):
        assert _compiled(text, lo, hi) == _python(text, lo, hi), (text[:80], lo, hi)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_SCAN_TEXT, st.text(max_size=24)), st.data())
def test_compiled_scan_equals_the_python_twins(text: str, data: st.DataObject) -> None:
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    assert _compiled(text, lo, hi) == _python(text, lo, hi)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(prefilter.trigger_shapes()[1]), st.data())
def test_compiled_scan_equals_the_python_twins_on_each_shape(
    shape: prefilter.Shape, data: st.DataObject
) -> None:
    """Strings made of one shape's characters (now and then one left out or replaced),
    so that every shape is matched, cut short and overlapped."""

    def one(cps: frozenset[int]) -> str:
        return chr(data.draw(st.sampled_from(sorted(cps))))

    parts = []
    for _ in range(data.draw(st.integers(1, 3))):
        parts.append(one(shape.behind))
        parts += [one(c) for c in shape.then]
        parts.append(data.draw(st.sampled_from(["", *_ORDINARY, *_SAMPLES[:40]])))
    text = "".join(parts)
    cut = data.draw(st.integers(0, len(text)))
    for variant in (text, text[:cut] + text[cut + 1 :]):
        _assert_twins(variant)


def test_has_evidence_is_its_definition() -> None:
    """:func:`has_evidence` asks the compiled scan about the window its reach gives (a
    short non-ASCII text is always evidence): every span of a text with a hit and rare
    characters, against the Python twin on that window."""
    assert prefilter._scanner() is not None
    text = "正文" * 12 + "鍙戝竷" + "正文\n" * 5 + "觊a觎b跷" + "正文" * 12
    assert prefilter.has_evidence(text)
    reach = prefilter.EVIDENCE_REACH
    seen = set()
    for start in range(len(text) + 2):
        for end in (start - 1, start, start + 1, start + 5, len(text)):
            lo, hi = max(0, start - reach), min(len(text), end + reach)
            want = prefilter._evidence_python(text, lo, hi)
            assert prefilter.has_evidence(text, start, end) == want, (start, end)
            seen.add(want)
    assert seen == {True, False}
    assert prefilter.has_evidence("短文本") and not prefilter.has_evidence("ascii " * 10)


# Codec pairs a sentence is garbled through (bytes written in the first, read in the
# second), with lost bytes shown as U+FFFD or dropped.
_GARBLE = [
    ("gbk", "big5"),
    ("big5", "gbk"),
    ("utf-8", "gbk"),
    ("utf-8", "big5"),
    ("utf-8", "cp1252"),
    ("utf-8", "latin-1"),
    ("utf-8", "koi8-r"),
    ("utf-8", "cp437"),
    ("gbk", "latin-1"),
    ("gbk", "cp850"),
    ("big5", "cp1252"),
    ("gb18030", "latin-1"),
]


def _garbled(sentence: str, pair: tuple[str, str], errors: str) -> str:
    return sentence.encode(pair[0], "replace").decode(pair[1], errors)


def test_compiled_scan_equals_the_twins_on_the_corpora_and_their_damage(
    simplified_corpus: list[str], traditional_corpus: list[str], seed_texts: dict[str, str]
) -> None:
    import json
    import random

    from .conftest import REPO

    cases = json.loads((REPO / "tests" / "repair_cases" / "mojibake.json").read_text())
    texts = [*simplified_corpus, *traditional_corpus, *seed_texts.values()]
    texts += [case["original"] for case in cases]
    rng = random.Random(11)
    for k, doc in enumerate([*simplified_corpus[:150], *traditional_corpus[:150]]):
        sentence = doc[rng.randrange(max(1, len(doc) - 40)) :][: rng.randint(2, 40)]
        garbled = _garbled(sentence, _GARBLE[k % len(_GARBLE)], ("replace", "ignore")[k % 2])
        at = rng.randrange(len(doc) + 1)
        texts += [garbled, doc[:at] + garbled + doc[at:]]
    for text in texts:
        _assert_twins(text)


def test_gbk_punctuation_read_as_big5_joins_a_run() -> None:
    """GBK's ``，`` and ``？`` read as Big5 are ``ㄛ`` and ``ˋ``: between the rare
    characters of a garbled sentence they join the pre-filter's span like the hanzi."""
    garbled = "怎么，你动心了？".encode("gbk").decode("big5")
    assert garbled == "崋繫ㄛ斕雄陑賸ˋ"
    shown = prefilter.gbk_shown_as_big5()
    assert {ord("ㄛ"), ord("ˋ")} <= shown
    text = f"放，越发诗情画意啊！{garbled}不急不急，如今改名也还有三重境界"
    assert rare_spans(text)
    assert fix_text(text) == "放，越发诗情画意啊！怎么，你动心了？不急不急，如今改名也还有三重境界"


@pytest.mark.parametrize(
    "clean", ["好ㄛ謝謝你", "他說：「好ㄛ，我們走吧」", "注音ㄅㄆㄇㄈ是台灣的"]
)
def test_bopomofo_in_clean_text_stays(clean: str) -> None:
    assert fix_text(clean) == clean
