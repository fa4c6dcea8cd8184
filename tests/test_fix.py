from __future__ import annotations

import json
import pickle
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.repair import (
    FIXER_ORDER,
    Edit,
    Explained,
    FixConfig,
    Step,
    apply_plan,
    explain_batch,
    fix_and_explain,
    fix_batch,
    fix_text,
    normalize,
    normalize_batch,
)

from .conftest import SHARED_DATA as DATA
from .conftest import needs_shared_data, run_fresh_python
from .repair_cases import cases

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
THUCNEWS = DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
DRCD = DATA / "drcd-zh-tw" / "drcd_paragraphs.jsonl"


@cache
def corpus(path: Path, key: str) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        return {str(r[key]): r["text"] for r in map(json.loads, handle)}


def thucnews() -> dict[str, str]:
    return corpus(THUCNEWS, "id")


def drcd() -> dict[str, str]:
    return corpus(DRCD, "paragraph_id")


# Documents of the clean corpora that carry real damage, with the exact repair.
THUCNEWS_DAMAGED = {
    # Wingdings arrow bullets (U+F0D8, 8 of them) before "欧洲设计学院" etc.
    "155": lambda t: t.replace("\uf0d8", "\u27a2"),
    # A stray DEL (U+007F) after a full stop.
    "385": lambda t: t.replace("\x7f", ""),
    "393": lambda t: t.replace("\x7f", ""),
    # "甜美or熟女&nbsp;白T" - an HTML entity; decoded to what the page showed.
    "606": lambda t: t.replace("&nbsp;", "\u00a0"),
}
# U+FFFD where a rare character was lost (徐若瑄 -> 徐若�): nothing can restore it,
# so these are left exactly as they are.
THUCNEWS_LEFT_ALONE = ("51", "226")
DRCD_DAMAGED = {
    # Zero-width spaces inside words: 目\u200b\u200b標, 專\u200b\u200b心 (4 in all).
    "3359-1": lambda t: t.replace("\u200b", ""),
}


def test_damaged_documents_are_what_we_think() -> None:
    assert thucnews()["155"].count("\uf0d8") == 8
    assert thucnews()["606"].count("&nbsp;") == 1
    assert drcd()["3359-1"].count("\u200b") == 4
    for key in THUCNEWS_LEFT_ALONE:
        assert "徐若\ufffd" in thucnews()[key]


@pytest.mark.parametrize(
    ("name", "path", "key", "damaged"),
    [
        ("thucnews", THUCNEWS, "id", THUCNEWS_DAMAGED),
        ("drcd", DRCD, "paragraph_id", DRCD_DAMAGED),
    ],
)
def test_clean_text_is_never_changed(
    name: str, path: Path, key: str, damaged: dict[str, object]
) -> None:
    changed = {}
    for doc_id, text in corpus(path, key).items():
        out = fix_text(text)
        if doc_id in damaged:
            repair = damaged[doc_id]
            assert callable(repair)
            assert out == repair(text), doc_id
        elif out != text:
            changed[doc_id] = out
    assert changed == {}, f"{name}: clean documents changed: {sorted(changed)}"
    for doc_id in THUCNEWS_LEFT_ALONE if name == "thucnews" else ():
        assert fix_text(corpus(path, key)[doc_id]) == corpus(path, key)[doc_id]


def test_damaged_documents_explained() -> None:
    explained = fix_and_explain(thucnews()["155"])
    assert [s.fixer for s in explained.steps] == ["clutter"]
    assert {e.reason for e in explained.steps[0].edits} == {"symbol-font-bullet"}
    explained = fix_and_explain(drcd()["3359-1"])
    assert [(e.original, e.replacement) for e in explained.steps[0].edits] == [
        ("\u200b\u200b", "")
    ] * 2


@pytest.mark.parametrize(
    "text", [pytest.param(c.original, id=c.label) for c in cases("pipeline", "parentheticals")]
)
def test_parentheticals_never_touched(text: str) -> None:
    assert fix_text(text) == text


def test_seed_000_layout_and_notes() -> None:
    text = (SEEDS / "000_4282e08e67390612.txt").read_text(encoding="utf-8")
    explained = fix_and_explain(text)
    assert [(s.fixer, len(s.edits)) for s in explained.steps] == [("layout", 6)]
    assert "通州要争当全市高质量发展排头兵" in explained.text
    assert [(n.kind, n.text) for n in explained.notes] == [
        ("fragment", "益。"),
        ("furniture", "详见A2版"),
    ]
    assert fix_text(explained.text) == explained.text


def test_seed_001_normalised_to_simplified_reads_clean() -> None:
    text = (SEEDS / "001_32a35c23f3667b8e.txt").read_text(encoding="utf-8")
    out = normalize(text, to="simplified")
    assert "(xiàn)" not in out
    assert "?!崩" not in out and "。”李波对未来发" in out
    assert not re.search(r"\([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)", out)
    assert "现代快报讯" in out
    assert zhnorm.detect_script(out).script == "simplified"


# --- plan, replay, serialisation --------------------------------------------------


GARBLED = "中&#x6587;\u200b字⻄安。現(xiàn)代快報(bào)訊，發(fā)展(zhǎn)很快。ＶＩＰ"


def test_explain_and_replay() -> None:
    explained = fix_and_explain(GARBLED)
    assert explained.text == fix_text(GARBLED)
    assert explained.changed
    assert apply_plan(GARBLED, explained.steps) == explained.text
    names = [s.fixer for s in explained.steps]
    assert names == sorted(names, key=FIXER_ORDER.index)
    for step in explained.steps:
        assert all(isinstance(e, Edit) for e in step.edits)


def test_plan_json_round_trip() -> None:
    explained = fix_and_explain(GARBLED)
    lines = [step.to_json() for step in explained.steps]
    assert all("\n" not in line for line in lines)
    steps = [Step.from_dict(json.loads(line)) for line in lines]
    assert apply_plan(GARBLED, steps) == explained.text
    assert apply_plan(GARBLED, [json.loads(line) for line in lines]) == explained.text
    again = Explained.from_dict(json.loads(json.dumps(explained.to_dict(), ensure_ascii=False)))
    assert again == explained


def test_plan_refuses_other_text() -> None:
    steps = fix_and_explain(GARBLED).steps
    with pytest.raises(ValueError):
        apply_plan("完全不同的文字" * 5, steps)


def test_clean_text_has_empty_plan() -> None:
    explained = fix_and_explain("今天天气很好。")
    assert explained.steps == () and explained.text == "今天天气很好。" and not explained.changed


def test_pickle() -> None:
    explained = fix_and_explain(GARBLED)
    for obj in (FixConfig(spaces=True), explained, explained.steps[0], explained.steps[0].edits[0]):
        assert pickle.loads(pickle.dumps(obj)) == obj


# --- config -------------------------------------------------------------------------


def test_config_defaults() -> None:
    config = FixConfig()
    assert (config.clutter, config.mojibake, config.byteshift, config.ruby, config.layout) == (
        True,
    ) * 5
    assert not config.ruby_aggressive
    assert not (config.fullwidth_ascii or config.halfwidth_katakana or config.spaces)
    assert config.punctuation is None
    assert FixConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError):
        FixConfig.from_dict({"bogus": True})
    with pytest.raises(ValueError):
        FixConfig(punctuation="fancy")  # type: ignore[arg-type]


def test_style_folds_are_opt_in() -> None:
    text = "ＶＩＰ２０１２　ｶﾞｲﾄﾞ\u00a0你好，世界。"
    assert fix_text(text) == text
    styled = fix_text(text, FixConfig(fullwidth_ascii=True, halfwidth_katakana=True, spaces=True))
    assert styled == "VIP2012 ガイド 你好，世界。"
    assert fix_text("你好，世界。", FixConfig(punctuation="ascii")) == "你好,世界."


def test_switches_turn_fixers_off() -> None:
    off = FixConfig(clutter=False, mojibake=False, byteshift=False, ruby=False, layout=False)
    assert fix_text(GARBLED, off) == GARBLED
    assert fix_text("中&#x6587;", FixConfig(clutter=False)) == "中&#x6587;"


def test_type_errors() -> None:
    with pytest.raises(TypeError):
        fix_text(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fix_and_explain(b"bytes")  # type: ignore[arg-type]


# --- batches ------------------------------------------------------------------------


def test_batches() -> None:
    texts = [GARBLED, "今天天气很好。", "", "H&M&amp;"]
    assert fix_batch(texts) == [fix_text(t) for t in texts]
    assert fix_batch(iter(texts)) == [fix_text(t) for t in texts]
    assert fix_batch(texts, workers=2) == [fix_text(t) for t in texts]
    assert explain_batch(texts) == [fix_and_explain(t) for t in texts]
    assert normalize_batch(texts, to="traditional") == [
        normalize(t, to="traditional") for t in texts
    ]
    assert normalize_batch(texts, to="s2t", workers=2) == [normalize(t, to="s2t") for t in texts]


# --- normalize ----------------------------------------------------------------------


def test_normalize_targets() -> None:
    assert normalize("汉字和乾隆") == "汉字和乾隆"
    assert normalize("汉字", to="traditional") == "漢字"
    assert normalize("漢字", to="simplified") == "汉字"
    assert normalize("乾隆皇帝来了", to="simplified") == "乾隆皇帝来了"  # already simplified
    assert normalize("漢字", to="traditional") == "漢字"
    assert normalize("鼠标和软件", to="tw") == zhnorm.convert("鼠标和软件", "s2tw")
    assert normalize("着数", to="hk") == zhnorm.convert("着数", "s2hk")
    assert normalize("滑鼠", to="s2twp") == zhnorm.convert("滑鼠", "s2twp")
    assert normalize("English only", to="simplified") == "English only"
    assert normalize("中&#x6587;", to="traditional") == "中文"  # repaired, then converted
    assert normalize("中&#x6587;", to="s2t", fix=False) == zhnorm.convert("中&#x6587;", "s2t")
    with pytest.raises(ValueError):
        normalize("x", to="klingon")


# --- properties ---------------------------------------------------------------------


def _fragments() -> list[str]:
    pieces = [
        "今天天气很好。",
        "張建華表示，要狠抓落實。",
        "愛金卡(icash)",
        "(部分)",
        "現(xiàn)代快報(bào)",
        "發(fā)展(zhǎn)",
        "&nbsp;",
        "&amp;lt;",
        "&#20013;",
        "\u200b",
        "\ufeff",
        "⻄",
        "⼀",
        "\uf0d8 ",
        "\n\n",
        "产业",
        "H&M",
        "ＶＩＰ",
        "\x7f",
        "鏂囩珷鎽樿",
        "瀹屾垚32绔犲鏌ユ姤鍛?",
        "æ–‡å­—",
        "確保中國式現代化通州新實踐開好局起好步?!蹦",
    ]
    path = DATA / "mojibake-examples" / "mojibake_examples.jsonl"
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            pieces += [json.loads(line)["garbled"] for line in handle]
    return pieces


mixed_text = st.lists(
    st.one_of(st.sampled_from(_fragments()), st.text(max_size=5)), max_size=12
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_text)
def test_idempotent(text: str) -> None:
    once = fix_text(text)
    assert fix_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises(text: str) -> None:
    explained = fix_and_explain(text)
    assert isinstance(explained.text, str)
    assert apply_plan(text, explained.steps) == explained.text


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=50))
def test_style_config_idempotent(text: str) -> None:
    config = FixConfig(
        fullwidth_ascii=True, halfwidth_katakana=True, spaces=True, punctuation="cjk"
    )
    once = fix_text(text, config)
    assert fix_text(once, config) == once


# --- options: an object, keyword overrides, the former name --------------------------


def test_fix_options_keyword_overrides() -> None:
    from zhnorm.repair import FixOptions

    assert FixConfig is FixOptions
    text = "中&#x6587;"
    assert fix_text(text, clutter=False) == fix_text(text, FixOptions(clutter=False)) == text
    assert fix_text(text, FixOptions(clutter=False), clutter=True) == "中文"
    assert fix_text(text, config=FixOptions(clutter=False)) == text
    assert fix_and_explain(text, clutter=False).text == text
    assert fix_and_explain(text, config=FixOptions(clutter=False)).text == text
    styled = fix_text("ＶＩＰ２０１２", fullwidth_ascii=True)
    assert styled == "VIP2012"
    assert normalize(text, clutter=False) == text
    assert normalize(text, config=FixOptions(clutter=False)) == text
    assert fix_batch([text, "x"], clutter=False) == [text, "x"]
    assert [e.text for e in explain_batch([text], clutter=False)] == [text]
    assert normalize_batch([text], FixOptions(clutter=False)) == [text]
    assert normalize_batch([text], config=FixOptions(clutter=False)) == [text]


def test_fix_options_errors() -> None:
    from zhnorm.repair import FixOptions

    with pytest.raises(TypeError, match="unknown option 'colour'"):
        fix_text("x", colour=True)
    with pytest.raises(TypeError, match="not both"):
        fix_text("x", FixOptions(), config=FixOptions())
    with pytest.raises(TypeError, match="must be a FixOptions"):
        fix_text("x", {"ruby": False})  # type: ignore[arg-type]


_FIRST_CALL = """
import sys
import zhnorm
zhnorm.fix_text(sys.argv[1])
heavy = ["pypinyin", "jieba", "concurrent.futures.process"]
loaded = [name for name in heavy if name in sys.modules]
model = sys.modules.get("zhnorm.language_model")
if model is not None and model.char_model.cache_info().currsize:
    loaded.append("char_model()")
print(" ".join(loaded))
"""


@pytest.mark.parametrize(
    "text",
    [
        "鼠标和软件，汉字简繁转换。今天的天气很好，我们去公园散步。",
        "臺灣的天氣很好，我們去公園散步（週末）。\n\n第二段，共三句。",
        "今天\u200b天气&nbsp;很好，(括号) 与 Latin text 2024.",
    ],
)
def test_first_fix_in_a_process_loads_nothing_heavy(text: str) -> None:
    """A first ``fix_text`` on text without a pinyin candidate or a byte-shift run
    neither imports pypinyin, jieba or the process pool nor loads the language model:
    what a gate needs is loaded when a gate needs it."""
    assert run_fresh_python(_FIRST_CALL, text).split() == []


# --- "no evidence here": the pre-filters the incremental rounds ask -------------------


def test_mojibake_evidence_reach_covers_the_trigger() -> None:
    """The pipeline asks the mojibake pre-filter about an edited span and this many
    characters around it: no trigger hit may be longer (with its look-behind)."""
    import re._parser as parser  # the width of a compiled pattern

    from zhnorm.repair.mojibake.prefilter import EVIDENCE_REACH, trigger

    widest = parser.parse(trigger().pattern).getwidth()[1]
    assert widest + 1 <= EVIDENCE_REACH


_EVIDENCE_PIECES = st.sampled_from(
    [
        "中",
        "文",
        "網",
        "(",
        "（",
        "xiàn",
        "(xiàn)",
        "a",
        "Ã",
        "©",
        "\u200b",
        "&",
        "nbsp;",
        "鍙戝",
        "竷",
        "\n\n",
        " ",
        "\ufffd",
        "〇",
        "ǎ",
        "4",
        ")",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_EVIDENCE_PIECES, max_size=16).map("".join), st.integers(0, 40), st.integers(0, 40))
def test_no_evidence_means_no_edit_and_spans_are_local(text: str, a: int, b: int) -> None:
    """Where a fixer's evidence test says no, it finds no edit; and evidence in the whole
    text lies in some window: asking two halves around any cut finds it too."""
    from zhnorm.repair import fix as fix_module

    options = FixConfig()
    finders = {name: find for name, _on, find, _fix in fix_module._REGISTRY}
    cut_lo, cut_hi = sorted((min(a, len(text)), min(b, len(text))))
    for name, evidence in fix_module._EVIDENCE.items():
        whole = evidence(text, 0, len(text))
        if not whole:
            assert finders[name](text, options) == []
        parts = (
            evidence(text, 0, cut_lo),
            evidence(text, cut_lo, cut_hi),
            evidence(text, cut_hi, len(text)),
        )
        assert any(parts) == whole


def test_incremental_rounds_equal_full_rounds_on_damaged_spots() -> None:
    """The corpora with a few damaged spots (as bench_fix.py makes them): the evidence
    shortcut gives the same text and plan as running every fixer in every round."""
    import random

    from zhnorm.repair.fix import _run
    from zhnorm.repair.readings import char_readings

    texts = [json.loads(line)["text"] for line in needs_shared_data(THUCNEWS).open()][:150]
    texts += [json.loads(line)["text"] for line in DRCD.open()][:150]

    def damaged(doc: str, rng: random.Random) -> str:
        for _ in range(rng.randint(1, 3)):
            han = [i for i, ch in enumerate(doc) if "\u4e00" <= ch <= "\u9fff"]
            if not han:
                break
            at = rng.choice(han) + 1
            marked = char_readings(doc[at - 1])[0]
            spot = rng.choice(["\u200b", "&nbsp;", "\n\n", f"({marked[0]})" if marked else ""])
            doc = doc[:at] + spot + doc[at:]
        return doc

    options = FixConfig()
    for k, doc in enumerate(texts):
        spotted = damaged(doc, random.Random(k))
        for explain in (True, False):
            assert _run(spotted, options, explain=explain) == _run(
                spotted, options, explain=explain, incremental=False
            )
