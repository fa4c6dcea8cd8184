"""Passage alignment: raw offsets exact through repair and script conversion, the seed
pair's shared sentences found, bad input handled in linear time."""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm import FixConfig, KeyConfig, Passage, align, align_batch, match_key
from zhnorm.textreuse import AlignOptions, doc_key, similarity

from .conftest import SEEDS

SEED000 = next(SEEDS.glob("000_*.txt")).read_text("utf-8")
SEED001 = next(SEEDS.glob("001_*.txt")).read_text("utf-8")
# The sentences the two seeds share, as matching keys (also used by bench_reuse).
SEED_SHARED = [
    tuple(pair)
    for pair in json.loads(
        (Path(__file__).parent / "fixtures" / "seed_shared_sentences.json").read_text("utf-8")
    )["pairs"]
]


@pytest.fixture(scope="module")
def seed_passages() -> list[Passage]:
    return align(SEED000, SEED001)


def _covered_by(passages: list[Passage], phrase_a: str, phrase_b: str) -> bool:
    """Some passage holds ``phrase_a`` (key) in A and ``phrase_b`` in B."""
    return any(phrase_a in p.a_key and phrase_b in p.b_key for p in passages)


@pytest.mark.parametrize(("in_a", "in_b"), SEED_SHARED)
def test_seed_outlets_share_the_kangyuan_and_16_projects_sentences(
    seed_passages: list[Passage], in_a: str, in_b: str
) -> None:
    assert _covered_by(seed_passages, in_a, in_b), [p.a_key for p in seed_passages]


def test_seed_offsets_are_raw_and_snippets_are_the_slices(seed_passages: list[Passage]) -> None:
    for p in seed_passages:
        assert SEED000[p.a_start : p.a_end] == p.a_text
        assert SEED001[p.b_start : p.b_end] == p.b_text
    # B is the damaged Traditional copy: its snippets keep the leaked readings
    kangyuan = next(p for p in seed_passages if "满足各地芯片的封装要求" in p.b_key)
    assert "研發(fā)和制造" in kangyuan.b_text and "研发和制造" in kangyuan.a_text


def test_no_passage_is_made_only_of_common_words(
    seed_passages: list[Passage], simplified_corpus: list[str]
) -> None:
    # "Common" measured on 1,000 THUCNews articles: a passage must contain a character
    # trigram found in fewer than 1% of them - a name, a number, a rare phrase.
    keys = [match_key(text) for text in simplified_corpus[:1000]]
    common_phrases = {
        "推动项目建设",
        "高质量发展的",
        "项目集中开工",
        "营商环境品牌",
        "全市项目建设",
    }
    for p in seed_passages:
        assert p.length >= AlignOptions().min_len
        assert p.a_key not in common_phrases and p.b_key not in common_phrases
        trigrams = {p.a_key[i : i + 3] for i in range(len(p.a_key) - 2)}
        rare = [g for g in trigrams if sum(g in key for key in keys) < 10]
        assert rare, f"only common trigrams in {p.a_key}"


def test_script_width_punctuation_and_leaked_pinyin_fold_away() -> None:
    source = "新华社消息，康源电路项目计划总投资50亿元，年产封装基板86万平方米。其他内容无关。"
    farm = (
        "轉載：康(kāng)源電(diàn)路項(xiàng)目計(jì)劃總投資(zī)５０億元；"
        "年產(chǎn)封裝基板８６萬平方米。"
    )
    [passage] = align(source, farm)
    assert passage.score == 1.0
    assert passage.a_text == "康源电路项目计划总投资50亿元，年产封装基板86万平方米。"
    assert passage.b_text.startswith("康(kāng)源") and passage.b_text.endswith("米。")
    assert farm[passage.b_start : passage.b_end] == passage.b_text


def test_one_pair_and_a_batch_agree_and_results_pickle() -> None:
    pairs = [(SEED000, SEED001), ("甲乙丙丁戊己庚辛壬癸子丑", "甲乙丙丁戊己庚辛壬癸子丑")]
    batch = align_batch(pairs)
    assert batch[0] == align(SEED000, SEED001)
    assert [(p.a_start, p.a_end, p.score) for p in batch[1]] == [(0, 12, 1.0)]
    assert pickle.loads(pickle.dumps(batch)) == batch
    key = doc_key(SEED001)
    again = pickle.loads(pickle.dumps(key))
    assert again.key == key.key and (again.key_starts == key.key_starts).all()


def test_options_are_checked() -> None:
    with pytest.raises(ValueError):
        align("a", "b", threshold=1.5)
    with pytest.raises(ValueError):
        align("a", "b", seed_len=1)
    with pytest.raises(TypeError):
        align(b"bytes", "b")  # type: ignore[arg-type]


def test_options_object_and_keyword_overrides_agree() -> None:
    a, b = "頭條：康源電路項目計劃總投資50億元。", "康源电路项目计划总投资50亿元，规划用地197亩。"
    expected = align(a, b, min_len=12, threshold=0.6)
    assert expected
    assert align(a, b, AlignOptions(min_len=12, threshold=0.6)) == expected
    assert align(a, b, AlignOptions(min_len=12), threshold=0.6) == expected
    assert align_batch([(a, b)], AlignOptions(threshold=0.6), min_len=12) == [expected]
    assert align(a, b, min_len=20) == []
    plain = KeyConfig(script=None)
    assert align(a, b, key_options=plain) == align(a, b, config=plain) == []
    with pytest.raises(TypeError, match="unknown option 'min_length'"):
        align(a, b, min_length=3)


@pytest.mark.parametrize(
    ("a", "b"),
    [("", ""), ("", SEED000), ("!!! ??? ...", "--- ,,,"), ("abc def 123", "abc def 123")],
)
def test_empty_and_han_free_inputs_give_no_error(a: str, b: str) -> None:
    assert align(a, b) == [] or all(p.a_text == a[p.a_start : p.a_end] for p in align(a, b))


def test_identical_documents_are_one_passage() -> None:
    [p] = align(SEED000, SEED000)
    assert (p.a_start, p.b_start, p.score) == (p.b_start, p.a_start, 1.0)
    assert p.a_end - p.a_start > 0.99 * len(SEED000.rstrip())


def test_large_documents_stay_linear() -> None:
    # 1 MB of text (repair off to keep the test fast: repair is not this module's cost)
    # made of a repeated article plus a distinct shared passage: the repeats are capped
    # by max_repeat, so the work is linear.
    config = KeyConfig(fix=None)
    filler = SEED000.replace("\n", "")
    shared = "独一无二的共享段落内容在这里出现一次，编号甲乙丙丁戊己庚辛。"
    a = filler * 40 + shared + filler * 40
    b = "完全不同的开头。" + shared + filler[:3000]
    assert len(a) > 390_000
    started = time.perf_counter()
    passages = align(a, b, config=config)
    elapsed = time.perf_counter() - started
    assert any(shared[:-1] in p.a_text and shared[:-1] in p.b_text for p in passages)
    assert elapsed < 20, elapsed
    started = time.perf_counter()
    same = align(a, a, config=config)
    assert time.perf_counter() - started < 20
    assert same  # identical big documents: found, without all-pairs blow-up


# --- the offset map, property-tested ---------------------------------------------------

SHARED = st.text(
    alphabet="发展头髮乾隆皇帝国际项目建设康源电路封装基板研制造满足芯片的年产应税销售亿元",
    min_size=12,
    max_size=40,
)
CONTEXT = st.text(alphabet="天地玄黄宇宙洪荒日月盈昃辰宿列张，。 \n１２ab", max_size=30)
STYLE = st.sampled_from(["same", "s2t", "s2tw", "fullwidth", "spaced", "entities"])


def _restyle(text: str, style: str) -> str:
    if style in ("s2t", "s2tw"):
        return zhnorm.convert(text, style)
    if style == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)
    if style == "spaced":
        return "，".join(text[i : i + 4] for i in range(0, len(text), 4))
    if style == "entities":
        return text.replace("康", "&#x5EB7;").replace("的", "的\u200b")
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SHARED, CONTEXT, CONTEXT, CONTEXT, CONTEXT, STYLE)
def test_slicing_the_raw_texts_at_reported_offsets_gives_matching_keys(
    shared: str, x1: str, y1: str, x2: str, y2: str, style: str
) -> None:
    a = x1 + shared + y1
    b = _restyle(x2, style) + _restyle(shared, style) + _restyle(y2, style)
    threshold = 0.5
    passages = align(a, b, min_len=8, threshold=threshold)
    for p in passages:
        a_slice, b_slice = a[p.a_start : p.a_end], b[p.b_start : p.b_end]
        assert (a_slice, b_slice) == (p.a_text, p.b_text)
        assert match_key(a_slice) == p.a_key
        assert match_key(b_slice) == p.b_key
        assert similarity(match_key(a_slice), match_key(b_slice)) >= p.score >= threshold
    if len(set(shared)) >= 8 and len(match_key(shared)) >= 12:
        assert passages, (a, b)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SHARED, CONTEXT, CONTEXT)
def test_leaked_pinyin_is_inside_the_reported_span(shared: str, x: str, y: str) -> None:
    traditional = zhnorm.convert(shared, "s2t")
    readings = {"發": "fā", "頭": "tóu", "國": "guó", "際": "jì", "項": "xiàng", "設": "shè"}
    leaked = "".join(c + (f"({readings[c]})" if c in readings else "") for c in traditional)
    b = "說明：" + x + leaked + "發(fā)展項(xiàng)目國(guó)際" + y
    passages = align(shared, b, min_len=8)
    aggressive = KeyConfig(fix=FixConfig(ruby_aggressive=True))
    for p in passages:
        assert b[p.b_start : p.b_end] == p.b_text
        assert match_key(p.b_text, aggressive) == p.b_key
