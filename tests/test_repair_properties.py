"""Whole-pipeline properties of ``fix_text`` on mixed clean/garbled text (hypothesis).

Inputs are built from real clean sentences (THUCNews, DRCD, seed 000) interleaved with
damage made by the mechanisms the fixers undo - leaked ruby ``字(pinyin)``, GBK bytes
decoded one byte out of step, UTF-8 read as GBK / cp1252 / latin-1, HTML character
references, invisible characters, look-alike Kangxi radicals - and with arbitrary text.
Properties:

* ``fix_text`` never raises and its plan replays: ``apply_plan(x, steps) == fix_text(x)``
  (also through the JSON form of the plan);
* idempotence: ``fix_text(fix_text(x)) == fix_text(x)``;
* clean text (any concatenation of clean sentences) is returned unchanged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, find, given, settings
from hypothesis import strategies as st
from pypinyin import Style, pinyin

from zhnorm import convert
from zhnorm.repair import FixOptions, apply_plan, fix_and_explain, fix_text
from zhnorm.repair import fix as fix_module
from zhnorm.repair.fix import _run

from .conftest import HAVE_SHARED_DATA, SEEDS, SHARED_DATA
from .repair_cases import Case, cases

# Documents of the clean corpora that carry real damage (see test_fix.py): not used as
# clean material.
_DAMAGED = {"155", "385", "393", "606", "51", "226", "3359-1"}
_SENTENCE = re.compile(r"[^。！？\n]+[。！？]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_PROPERTY = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def clean_sentences() -> tuple[str, ...]:
    """About 600 real sentences: THUCNews, DRCD and seed 000, each a clean document's
    (seed 000's alone where the corpora are not beside the checkout)."""
    out: list[str] = []
    corpora = (
        ("thucnews-cnews-sample/cnews_val_1000.jsonl", "id", 3),
        ("drcd-zh-tw/drcd_paragraphs.jsonl", "paragraph_id", 7),
    )
    for name, key, step in corpora if HAVE_SHARED_DATA else ():
        with (SHARED_DATA / name).open(encoding="utf-8") as handle:
            for k, line in enumerate(handle):
                record = json.loads(line)
                if k % step or str(record[key]) in _DAMAGED:
                    continue
                out += _SENTENCE.findall(record["text"])[:2]
    seed = (SEEDS / "000_4282e08e67390612.txt").read_text(encoding="utf-8")
    out += [s.strip() for s in _SENTENCE.findall(seed)]
    return tuple(s for s in out if 4 <= len(s) <= 80 and "?" not in s)


@cache
def gbk_sentences() -> tuple[str, ...]:
    out = []
    for s in clean_sentences():
        try:
            s.encode("gbk")
        except UnicodeEncodeError:
            continue
        out.append(s)
    return tuple(out)


@cache
def kangxi_lookalikes() -> dict[str, str]:
    """Unified ideograph -> the Kangxi radical that looks like it (U+2F00-U+2FD5)."""
    table: dict[str, str] = {}
    for cp in range(0x2F00, 0x2FD6):
        target = unicodedata.normalize("NFKC", chr(cp))
        if target != chr(cp):
            table.setdefault(target, chr(cp))
    return table


sentence = st.sampled_from(clean_sentences())
gbk_sentence = st.sampled_from(gbk_sentences())


@st.composite
def leaked_ruby(draw: st.DrawFn) -> str:
    """A sentence run through a simplified->traditional rewriter that leaks readings:
    several Han characters get ``(tone-marked pinyin)`` after them."""
    text = convert(draw(sentence), "s2t")
    han = [m.start() for m in _HAN.finditer(text)]
    if not han:
        return text
    # The rewriter annotates characters it converted; mostly take those.
    converted = [i for i in han if convert(text[i], "t2s") != text[i]]
    if len(converted) >= 2 and draw(st.integers(0, 3)):
        han = converted
    chosen = sorted(set(draw(st.lists(st.sampled_from(han), min_size=1, max_size=8))))
    pieces, last = [], 0
    for i in chosen:
        reading = pinyin(text[i], style=Style.TONE, heteronym=False, errors="ignore")
        pieces.append(text[last : i + 1])
        if reading and reading[0]:
            pieces.append(f"({reading[0][0]})")
        last = i + 1
    pieces.append(text[last:])
    return "".join(pieces)


@st.composite
def byte_shifted(draw: st.DrawFn) -> str:
    """GBK text decoded in chunks, a chunk boundary inside a character: the lost lead
    byte shows as '?', the rest is read one byte out of step (as in seed 001)."""
    text = draw(gbk_sentence)
    data = text.encode("gbk")
    inside = []  # cuts right after a lead byte
    k = 0
    while k < len(data):
        if data[k] >= 0x81:
            inside.append(k + 1)
            k += 2
        else:
            k += 1
    if not inside:
        return text
    cut = draw(st.sampled_from(inside))
    head = data[: cut - 1].decode("gbk", errors="replace")
    tail = data[cut:].decode("gbk", errors="replace").replace("\ufffd", "?")
    if draw(st.booleans()):  # user-defined area output stripped on the way
        tail = "".join(c for c in tail if not 0xE000 <= ord(c) <= 0xF8FF)
    if draw(st.booleans()):  # full-width ASCII normalised (！ -> !)
        tail = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in tail)
    return head + "?" + tail


@st.composite
def codec_mojibake(draw: st.DrawFn) -> str:
    """A sentence (or part of one) written as UTF-8 and read in another codec."""
    text = draw(sentence)
    start = draw(st.integers(0, len(text) - 1))
    part = text[start : start + draw(st.integers(2, 12))]
    codec = draw(st.sampled_from(["gbk", "gb18030", "cp1252", "latin-1", "big5"]))
    garbled = part.encode("utf-8").decode(codec, errors="replace")
    if draw(st.booleans()) and codec in ("cp1252", "latin-1"):  # and once more
        garbled = garbled.encode("utf-8").decode(codec, errors="replace")
    return text[:start] + garbled + text[start + len(part) :]


@st.composite
def html_escaped(draw: st.DrawFn) -> str:
    text = draw(sentence)
    out = []
    for ch in text:
        kind = draw(st.sampled_from(["keep"] * 6 + ["dec", "hex", "amp"]))
        if kind == "dec":
            out.append(f"&#{ord(ch)};")
        elif kind == "hex":
            out.append(f"&#x{ord(ch):X};")
        elif kind == "amp":
            out.append(ch + draw(st.sampled_from(["&nbsp;", "&amp;", "&amp;lt;", "&ldquo;"])))
        else:
            out.append(ch)
    return "".join(out)


@st.composite
def with_invisibles(draw: st.DrawFn) -> str:
    text = draw(sentence)
    marks = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
    out = []
    for ch in text:
        out.append(ch)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(marks))
    return "".join(out)


@st.composite
def with_radicals(draw: st.DrawFn) -> str:
    """PDF text-layer look-alikes: some ideographs replaced by Kangxi radicals."""
    table = kangxi_lookalikes()
    text = draw(sentence)
    return "".join(table[c] if c in table and draw(st.booleans()) else c for c in text)


garbled = st.one_of(
    leaked_ruby(),
    byte_shifted(),
    codec_mojibake(),
    html_escaped(),
    with_invisibles(),
    with_radicals(),
    st.text(max_size=12),
)
separator = st.sampled_from(["", "", "\n", "\n\n", " "])


@st.composite
def mixed_text(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(sentence, garbled), min_size=1, max_size=6))
    out = parts[0]
    for part in parts[1:]:
        out += draw(separator) + part
    return out


@_PROPERTY
@given(mixed_text())
def test_plan_replays_and_fix_is_idempotent(text: str) -> None:
    explained = fix_and_explain(text)
    assert explained.text == fix_text(text)
    assert apply_plan(text, explained.steps) == explained.text
    assert apply_plan(text, [s.to_dict() for s in explained.steps]) == explained.text
    assert fix_text(explained.text) == explained.text


@_PROPERTY
@given(st.lists(st.one_of(garbled, st.text()), min_size=1, max_size=4).map("".join))
@example("À¡ª‘¨€¤@®@ºÀÀÀ§Â¡Ü¡0¤¡ÀÀ")  # four pieces, repaired one per round
def test_never_raises_on_arbitrary_mixtures(text: str) -> None:
    explained = fix_and_explain(text)
    assert apply_plan(text, explained.steps) == explained.text
    assert fix_text(explained.text) == explained.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sentence, min_size=1, max_size=8), st.sampled_from(["", "\n"]))
def test_clean_sentences_unchanged(sentences: list[str], joiner: str) -> None:
    text = joiner.join(sentences)
    assert fix_text(text) == text
    assert fix_and_explain(text).steps == ()


@pytest.mark.parametrize(
    "strategy",
    [
        leaked_ruby(),
        byte_shifted(),
        codec_mojibake(),
        html_escaped(),
        with_invisibles(),
        with_radicals(),
    ],
    ids=["ruby", "byteshift", "mojibake", "html", "invisible", "radical"],
)
def test_garbles_are_repaired_damage(strategy: st.SearchStrategy[str]) -> None:
    """The strategies are not vacuous: each makes damage that the pipeline repairs."""
    found = find(
        strategy,
        lambda text: fix_text(text) != text,
        settings=settings(max_examples=300, database=None, deadline=None, phases=[Phase.generate]),
    )
    assert fix_text(found) != found


# --- the incremental rounds of fix.py ---------------------------------------------------
#
# ``_run`` skips a fixer whose input is a text it already left unchanged; the definition is
# every fixer in every round (``incremental=False``).  Both must give the same text and the
# same plan, on the damage above and on column-layout breaks (a late fixer's edit sends the
# text back through the earlier ones).


@st.composite
def broken_line(draw: st.DrawFn) -> str:
    """A sentence cut after one of its Han characters by a blank line (a column break)."""
    text = draw(sentence)
    cuts = [i + 1 for i, ch in enumerate(text[:-2]) if _HAN.match(ch)]
    if not cuts:
        return text
    at = draw(st.sampled_from(cuts))
    return text[:at] + draw(st.sampled_from(["\n\n", "\n \n", "\n\n\n"])) + text[at:]


@st.composite
def spotted_text(draw: st.DrawFn) -> str:
    hidden = with_invisibles().map(
        lambda t: t.encode().decode("latin-1")
    )  # garbled ZWSPs: a later fixer gives clutter work
    # References whose decoding makes new clutter: clutter must see its own output again.
    exposing = st.sampled_from(["&&#110;bsp;", "&&#x6E;bsp;", "&#x26;&#x23;x200B;", "&&#97;mp;"])
    pieces = st.one_of(sentence, garbled, broken_line(), hidden, exposing)
    parts = draw(st.lists(pieces, min_size=1, max_size=6))
    out = parts[0]
    for part in parts[1:]:
        out += draw(separator) + part
    return out


def _both_ways(text: str, options: FixOptions) -> None:
    for explain in (True, False):
        full = _run(text, options, explain=explain, incremental=False)
        assert _run(text, options, explain=explain) == full


@_PROPERTY
@given(spotted_text(), st.sampled_from([{}, {"spaces": True, "punctuation": "cjk"}]))
def test_incremental_rounds_equal_full_rounds(text: str, switches: dict[str, object]) -> None:
    _both_ways(text, FixOptions(**switches))  # type: ignore[arg-type]


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_incremental_rounds_rerun_an_earlier_fixer_on_new_work(codec: str) -> None:
    """UTF-8 text holding a zero-width space, read as ``codec``: the mojibake fixer's
    repair exposes the ZWSP to ``clutter``, which had already passed over the garble."""
    text = "记者报道：" + "今天天气很好，我们\u200b去公园散步。".encode().decode(codec)
    assert fix_text(text) == "记者报道：今天天气很好，我们去公园散步。"
    assert [step.fixer for step in fix_and_explain(text).steps] == ["mojibake", "clutter"]
    _both_ways(text, FixOptions())


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_incremental_rounds_equal_full_rounds_on_golden_cases(case: Case) -> None:
    _both_ways(case.original, FixOptions(**case.options))


def test_incremental_rounds_skip_fixers_that_saw_the_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A zero-width space repaired by ``clutter`` (the first fixer) costs one round: the
    others see the repaired text, and ``clutter`` vouches that it left nothing to do; an
    ``&&#110;bsp;`` (whose decoding makes a new reference) runs ``clutter`` again.  A
    layout join (the last repair) sends the joined text through the earlier fixers, but a
    fixer that has found no evidence in the text is asked only about the joined span."""
    calls: list[str] = []

    def counted(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def run(text: str, options: FixOptions) -> Any:
            calls.append(name)
            return func(text, options)

        return run

    registry = []
    scanners = {}
    for name, on, finder, fix in fix_module._REGISTRY:
        counted_find = counted(name, finder)
        registry.append((name, on, counted_find, None if fix is None else counted(name, fix)))
        if finder in fix_module._SCANNERS:
            scanners[counted_find] = counted(name, fix_module._SCANNERS[finder])
    monkeypatch.setattr(fix_module, "_REGISTRY", tuple(registry))
    monkeypatch.setattr(fix_module, "_SCANNERS", scanners)
    # mojibake and ruby say "no evidence here" before they run (_EVIDENCE; clutter's scan
    # says it as it runs), so only the fixers with work, clutter and those without an
    # evidence test are called.  (A text of up to 24 characters is evidence for mojibake
    # by itself: it may be garbled whole, with no pre-filter hit.)
    walk = "我们去公园散步，晚上回家吃饭，然后一起看书。"
    assert fix_text("今天\u200b天气很好，" + walk) == "今天天气很好，" + walk
    assert calls == ["clutter", "byteshift", "layout"]
    calls.clear()
    assert fix_text("今天天气&&#110;bsp;很好。" + walk) == "今天天气\xa0很好。" + walk
    assert calls == ["clutter", "byteshift", "layout"] * 2  # the second clutter changes it too
    calls.clear()
    assert fix_text("今天天气很好。") == "今天天气很好。"
    assert calls == ["clutter", "mojibake", "byteshift", "layout"]
    calls.clear()
    broken = "记者从市发改委获悉。\n张建华指出，通州要争当全市高\n\n质量发展排头兵，关键靠项目。"
    assert fix_text(broken) == broken.replace("高\n\n质", "高质")
    # The join's span holds no evidence for clutter (its scan found none in the text), and
    # layout joined every break, so it vouches for its own output (no break left).
    assert calls == ["clutter", "byteshift", "layout", "byteshift"]
    calls.clear()
    # A break kept apart (a paragraph after a full stop) may be decided otherwise beside a
    # join: layout runs again on its output.
    kept = "记者从市发改委获悉。\n\n张建华指出，通州要争当全市高\n\n质量发展排头兵，关键靠项目。"
    assert fix_text(kept) == kept.replace("高\n\n质", "高质")
    assert calls == ["clutter", "byteshift", "layout", "byteshift", "layout"]
    calls.clear()
    clean = "张建华指出，通州要争当全市高质量发展排头兵，关键靠项目。"
    assert fix_text(clean) is clean
    assert calls == ["clutter", "byteshift", "layout"]
    calls.clear()
    leaked = "記者從市發改委獲悉：通州要爭當全市高質量發(fā)展排頭兵，關鍵靠項目" + "\u200b。"
    expected = leaked.replace("(fā)", "").replace("\u200b", "") + "現代化"
    assert fix_text(leaked + "現(xiàn)代(dài)化") == expected
    assert calls == ["clutter", "byteshift", "ruby", "layout", "byteshift"]
