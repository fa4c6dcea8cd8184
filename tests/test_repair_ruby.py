"""Tests for the leaked-ruby-annotation fixer (``zhnorm.repair.ruby``)."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.repair import readings, ruby
from zhnorm.repair.ruby import MIN_ANNOTATIONS, find_ruby, fix_ruby
from zhnorm.repair.types import Edit, apply_edits

from .conftest import SHARED_DATA as DATA
from .conftest import run_fresh_python
from .repair_cases import Case, cases

REPO = Path(__file__).resolve().parents[1]
SEED_001 = REPO / "seeds" / "001_32a35c23f3667b8e.txt"
EXAMPLES = DATA / "pinyin-paren-garble" / "examples.jsonl"
CLEAN_CORPORA = [
    DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl",
    DATA / "drcd-zh-tw" / "drcd_paragraphs.jsonl",
]

# A toned pinyin group anywhere: what must not be left behind after a fix.
TONED_GROUP = re.compile(r"[(（]\s*[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\s*[)）]")
REMOVED_SHAPE = re.compile(r"[ \u3000]?[(（][ \u3000]?[^()（）]+[ \u3000]?[)）]")

# Enough leaked annotations on traditional-only characters to pass the document gate.
LEAK = "成都網(wǎng)站建設(shè)公司_創(chuàng)新互聯(lián),"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _jsonl_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [str(json.loads(line)["text"]) for line in handle]


def _check_edits(text: str, edits: list[Edit]) -> None:
    """Edits are sorted, disjoint, deletions of one parenthesised group each."""
    cursor = 0
    for edit in edits:
        assert cursor <= edit.start < edit.end
        assert text[edit.start : edit.end] == edit.original
        assert edit.replacement == ""
        assert REMOVED_SHAPE.fullmatch(edit.original), edit
        assert edit.reason
        assert {"char", "syllable"} <= edit.detail.keys()
        cursor = edit.end


# --- seed 001 -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> str:
    return _read(SEED_001)


def test_seed_counts(seed: str) -> None:
    edits = find_ruby(seed)
    _check_edits(seed, edits)
    assert len(edits) == 329
    normal = [e for e in edits if not e.lossy]
    mangled = [e for e in edits if e.lossy]
    assert len(normal) == 323
    # The GBK trail byte left in place of the annotated character, and the character
    # recovered by re-pairing the bytes (reported, not applied).
    assert Counter(e.detail["char"] for e in mangled) == {"^": 4, "M": 1, "l": 1}
    assert Counter(e.detail["gbk_candidate"] for e in mangled) == {"區": 4, "進": 1, "發": 1}
    assert all(e.detail["annotated_char"] is None for e in mangled)
    # Every normal annotation is on a traditional-only character.
    assert all(e.detail["simplified"] != e.detail["char"] for e in normal)


def test_seed_specific_spans(seed: str) -> None:
    edits = find_ruby(seed)
    first = edits[0]
    assert (first.start, first.end, first.original) == (1, 7, "(xiàn)")
    assert first.detail["char"] == "現"
    assert first.detail["tone3"] == "xian4"
    assert "xiàn" in first.detail["readings"]
    by_start = {e.start: e for e in edits}
    at = seed.index("產(chǎn)業(yè)園")
    assert by_start[at + 1].original == "(chǎn)"
    assert by_start[at + 8].original == "(yè)"
    fixed = fix_ruby(seed)
    assert fixed.startswith("現代快報訊 兔年伊始,位于南通市通州區的恒力(南通)產業園")
    assert "恒力(南通)" in fixed  # a real parenthetical
    assert TONED_GROUP.search(fixed) is None
    # Garble remnants stay for the garble fixer; only their annotation went.
    assert "輩^委副書記" in fixed
    assert "磥戆l展充滿信心" in fixed


def test_seed_only_annotations_removed(seed: str) -> None:
    fixed = fix_ruby(seed)
    stripped = re.sub(r"\((?:[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*)\)", "", seed)
    assert fixed == stripped
    assert len(seed) - len(fixed) == sum(e.end - e.start for e in find_ruby(seed))
    assert fix_ruby(fixed) == fixed


def _simulate_garble_fix(text: str, *, recover: bool) -> str:
    """Stand-in for the GBK byte-shift fixer: each ``?!run`` (the lost bytes of "。" and
    a shifted GBK run) becomes "。" plus the run re-decoded one byte later, or, when
    ``recover`` is false, the run's last character becomes U+FFFD."""

    def repair(match: re.Match[str]) -> str:
        run = match.group(1)
        if recover:
            return "。" + (b"\xa1" + run.encode("gbk")).decode("gbk", errors="replace")
        return match.group(0)[:-1] + "\ufffd"

    return re.sub(r"\?!([^\x00-\x7f(（]*[\x40-\x7e]?)", repair, text)


@pytest.mark.parametrize("recover", [True, False])
def test_seed_after_garble_fixer(seed: str, recover: bool) -> None:
    text = _simulate_garble_fix(seed, recover=recover)
    assert text != seed
    edits = find_ruby(text)
    _check_edits(text, edits)
    assert len(edits) == 329
    lossy = sum(e.lossy for e in edits)
    if recover:
        assert lossy == 0
        assert "。”通州區委副書記" in fix_ruby(text)
    else:
        assert lossy == 6
        assert {e.detail["char"] for e in edits if e.lossy} == {"\ufffd"}
    assert TONED_GROUP.search(fix_ruby(text)) is None


# --- real excerpts ------------------------------------------------------------------


def test_pinyin_paren_examples() -> None:
    texts = _jsonl_texts(EXAMPLES)
    assert texts
    for text in texts:
        edits = find_ruby(text)
        _check_edits(text, edits)
        assert len(edits) >= MIN_ANNOTATIONS
        assert not any(e.lossy for e in edits)
        fixed = fix_ruby(text)
        assert TONED_GROUP.search(fixed) is None, fixed
        assert fix_ruby(fixed) == fixed
    first = fix_ruby(texts[0])
    assert "分類: 網站建設" in first
    assert "成都網站建設公司_創新互聯,為您提供" in first


# --- clean text ---------------------------------------------------------------------


@pytest.mark.parametrize("path", CLEAN_CORPORA, ids=lambda p: p.parent.name)
def test_clean_corpora_untouched(path: Path) -> None:
    texts = _jsonl_texts(path)
    assert len(texts) >= 1000
    for text in texts:
        assert find_ruby(text) == []
        assert find_ruby(text, aggressive=True) == []


def test_clean_throughput() -> None:
    texts = _jsonl_texts(CLEAN_CORPORA[0])
    chars = sum(map(len, texts))
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for text in texts:
            find_ruby(text)
        best = min(best, time.perf_counter() - started)
    assert chars / best >= 12e6, f"{chars / best / 1e6:.1f} M chars/s"


# --- the gate and what is never touched ---------------------------------------------


@pytest.mark.parametrize(
    "text", [pytest.param(c.original, id=c.label) for c in cases("ruby", "sparse")]
)
def test_deliberate_or_sparse_ruby_survives(text: str) -> None:
    assert find_ruby(text) == []
    assert fix_ruby(text) == text


def test_aggressive_removes_single_annotation() -> None:
    assert fix_ruby("他蹓(liù)跶到河边。", aggressive=True) == "他蹓跶到河边。"
    assert fix_ruby("我去银行(háng)取钱。", aggressive=True) == "我去银行取钱。"
    assert fix_ruby("你(nǐ)好(hǎo)", aggressive=True) == "你好"
    # decomposed tone marks pass the pre-filter too
    assert fix_ruby("綠(lu\u0308\u0300)色", aggressive=True) == "綠色"


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.label) for c in cases("ruby", "non-readings")]
)
def test_non_readings_never_touched(case: Case) -> None:
    aggressive = bool(case.options.get("ruby_aggressive", False))
    fixed = fix_ruby(case.original, aggressive=aggressive)
    assert fixed == case.fixed


@pytest.mark.parametrize(
    ("annotated", "expected"),
    [pytest.param(c.original, c.fixed, id=c.label) for c in cases("ruby", "variants")],
)
def test_variants_in_leaky_document(annotated: str, expected: str) -> None:
    fixed = fix_ruby(annotated)
    assert fixed == expected
    assert fix_ruby(fixed) == fixed


def test_edit_detail() -> None:
    edits = find_ruby(LEAK + "綠(lv4)")
    last = edits[-1]
    assert last.original == "(lv4)"
    assert last.detail["char"] == "綠"
    assert last.detail["simplified"] == "绿"
    assert last.detail["tone3"] == "lv4"
    assert "lǜ" in last.detail["readings"]
    assert "reading" in last.reason
    json.dumps([e.to_dict() for e in edits], ensure_ascii=False)


def test_mangled_annotation_only_in_leaky_document() -> None:
    garbled = "李波對未磥戆l(fā)展充滿信心"
    assert find_ruby(garbled) == []
    assert find_ruby(garbled, aggressive=True) == []
    assert find_ruby("abc^(qū)" * 5) == []
    edits = find_ruby(LEAK + garbled)
    assert edits[-1].lossy
    assert edits[-1].original == "(fā)"
    assert edits[-1].detail["gbk_candidate"] == "發"
    # A Latin letter inside a word is not a garble remnant.
    assert fix_ruby(LEAK + "word(fā)") == "成都網站建設公司_創新互聯,word(fā)"
    # Tone-less or invalid syllables after a remnant are kept.
    assert fix_ruby(LEAK + "戆l(fa)") == "成都網站建設公司_創新互聯,戆l(fa)"
    assert fix_ruby(LEAK + "戆l(fǎi)") == "成都網站建設公司_創新互聯,戆l(fǎi)"


def test_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        find_ruby(b"abc")  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------

PIECES = [
    "現",
    "產",
    "網",
    "業",
    "代",
    "银",
    "們",
    "戆",
    "輩",
    "l",
    "^",
    "\ufffd",
    " ",
    "\n",
    "，",
    "(xiàn)",
    "（chǎn）",
    "(wǎng)",
    "(yè)",
    "(ye4)",
    "(men)",
    "(fā)",
    "(qū)",
    "(háng)",
    "(icash)",
    "(部分)",
    "(",
    ")",
    "xiàn",
    " (xiàn)",
    "(A)",
]
mixed_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=40).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_str(text: str) -> None:
    for aggressive in (False, True):
        edits = find_ruby(text, aggressive=aggressive)
        _check_edits(text, edits)
        assert fix_ruby(text, aggressive=aggressive) == apply_edits(text, edits)


@settings(max_examples=400, deadline=None)
@given(mixed_text, st.booleans())
def test_idempotent_and_deletion_only(text: str, aggressive: bool) -> None:
    edits = find_ruby(text, aggressive=aggressive)
    _check_edits(text, edits)
    fixed = fix_ruby(text, aggressive=aggressive)
    assert fix_ruby(fixed, aggressive=aggressive) == fixed
    # Only the annotation groups are gone: everything else survives in order.
    kept = iter(range(len(text)))
    removed = {i for e in edits for i in range(e.start, e.end)}
    assert fixed == "".join(text[i] for i in kept if i not in removed)


@settings(max_examples=200, deadline=None)
@given(mixed_text)
def test_idempotent_in_leaky_document(text: str) -> None:
    doc = LEAK + text + LEAK
    fixed = fix_ruby(doc)
    assert fix_ruby(fixed) == fixed
    assert "成都網站建設公司_創新互聯," in fixed


# --- short titles (issue 17) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("garbled", "expected"),
    [
        ("網(wǎng)站建設(shè)", "網站建設"),
        ("產(chǎn)品發(fā)布", "產品發布"),
        ("go語(yǔ)言開發(fā)", "go語言開發"),
        ("網(wang3)站建設(she4)", "網站建設"),
        ("專(zhuān)業(yè)網(wǎng)站", "專業網站"),
        # 设 is common to both scripts, but one syllable and common: nobody glosses it.
        ("網(wǎng)站建设(shè)", "網站建设"),
        # One annotation: a common one-syllable character, cutting the word 網站.
        ("網(wǎng)站", "網站"),
        ("成都網(wǎng)站建設公司", "成都網站建設公司"),
    ],
)
def test_short_title_with_two_leaked_readings(garbled: str, expected: str) -> None:
    assert fix_ruby(garbled) == expected
    assert fix_ruby(expected) == expected
    assert len(find_ruby(garbled)) == garbled.count("(")


def test_the_model_s_evidence_is_in_the_edit() -> None:
    (edit,) = find_ruby("成都網(wǎng)站")
    assert edit.detail["gate"] == "model"
    assert edit.detail["uninformative"] is True
    assert edit.detail["junction_logodds"] >= ruby.INTERRUPT_LOGODDS
    assert {e.detail["gate"] for e in find_ruby("網(wǎng)站建設(shè)")} == {"counts"}
    assert {e.detail["gate"] for e in find_ruby("你(nǐ)好(hǎo)", aggressive=True)} == {"aggressive"}


@pytest.mark.parametrize(
    "text",
    [
        "王小明(Wang Xiaoming)的個人網站",
        "張(zhang)老師講課",
        "你(nǐ)好(hǎo)",
        "網(xiàn)站建設(shè)",  # xiàn is not a reading of 網
        "网(wǎng)",  # one annotation on a Simplified character: a gloss
        "行(háng)业和长(zhǎng)辈",  # both read as more than one syllable: a textbook's glosses
        "你(nǐ)好(hǎo)，我(wǒ)是(shì)学(xué)生(sheng)。",  # a sentence glossed for a learner
        "经(jīng)济(jì)发展很快",  # a whole word glossed for a learner
        "網(wǎng)",  # one annotation that cuts no word
        "網(wǎng)，站",
        "長(zhǎng)輩",  # 長 has two syllables: a gloss tells them apart
        "我去銀行(háng)取錢。",
        "他蹓(liù)躂到河邊。",  # a rare character
        "小(xiǎo)傢(jiā)伙(huo)橫眉努目",  # a phrase glossed character by character
        "驚(jīng)恐(kǒng)萬(wàn)狀(zhuàng)",  # the same, though three are Traditional-only
        "種下炮(pào)火連(lián)天",  # 炮 is read pào or páo: a gloss
    ],
)
def test_short_title_clean_or_not_enough_evidence(text: str) -> None:
    assert fix_ruby(text) == text
    assert find_ruby(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("网(wǎng)站建设(shè)", "网站建设"),  # the README's leak, converted back to Simplified
        ("网(wang3)站建设(she4)，产(chǎn)品发布", "网站建设，产品发布"),
        ("拆迁(qiān)户(hù)安置", "拆迁户安置"),  # a run that starts inside a word
        ("通知：明(míng)天放(fàng)假", "通知：明天放假"),  # common characters, not a clause
    ],
)
def test_short_simplified_leak_is_repaired(text: str, expected: str) -> None:
    """Issue 17 point 5: two or more annotations whose readings match are repaired in
    Simplified text too, unless the evidence says gloss (see the kept cases above)."""
    assert fix_ruby(text) == expected
    assert {e.detail["gate"] for e in find_ruby(text)} == {"model"}
    assert fix_ruby(expected) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Two leaked readings the bigram model reads as a bounded run, but the run ends
        # (or starts) inside a four-character word of the segmentation: not a glossed word.
        ("他们一心一(yī)意(yì)地为人民服务", "他们一心一意地为人民服务"),
        ("春节期间火车站人山(shān)人(rén)海", "春节期间火车站人山人海"),
        # Three readings, each on a character the dictionary reads more than one way but
        # use reads one way (会 kuài, 能 tái, 大 dài are rare): a tool's, not a gloss.
        ("开会(huì)能(néng)大(dà)大提高效率", "开会能大大提高效率"),
    ],
)
def test_leaks_a_gloss_would_not_make_are_repaired(text: str, expected: str) -> None:
    """Issue 17 point 5 (session 10): the two misses the last session left - a leak on
    adjacent characters that looked like a glossed word, and a leak whose every annotated
    character has several dictionary readings - through ``zhnorm.fix_text``."""
    assert zhnorm.fix_text(text) == expected
    assert {e.detail["gate"] for e in find_ruby(text)} == {"model"}


@pytest.mark.parametrize(
    ("text", "expected", "gate"),
    [
        # pypinyin reads 行 alone xíng, in 银行 háng; 重 alone zhòng, in 重庆 chóng: the
        # default written where the context reads otherwise is a tool's.
        ("重(zhòng)庆的银行(xíng)", "重庆的银行", "reading"),
        ("他在银行(xíng)工作，长(zhǎng)辈很高兴", "他在银行工作，长辈很高兴", "reading"),
        # 调 and 单 have several readings, so the model cannot vouch; tone digits can.
        ("调(diao4)查和单(dan1)位", "调查和单位", "digits"),
    ],
)
def test_how_the_readings_are_written_shows_a_tool(text: str, expected: str, gate: str) -> None:
    """Issue 17 point 5 (session 11): a leak writes each character's default reading, a
    gloss the reading in context; and a reader's gloss is written with tone marks."""
    assert fix_ruby(text) == expected
    assert {e.detail["gate"] for e in find_ruby(text)} == {gate}
    assert fix_ruby(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        # The reading in context, where it differs from the default: a gloss, even with
        # another annotation that writes a default, and even in tone digits.
        "他在银行(háng)工作，长(cháng)辈很高兴",
        "长(chang2)辈和银行(hang2)",
        "音乐(yuè)会和重(chóng)庆",
        # A sentence glossed character by character stays, whatever the tone spelling.
        "你(ni3)好(hao3)，我(wo3)是(shi4)学(xue2)生(sheng5)。",
        # One annotation on a Simplified character, default or not: a dictionary's gloss.
        "去重(zhòng)庆出差",
        "调(diao4)查",
        # Default written, context reads otherwise, but only one annotation and on a
        # character common to both scripts.
        "他在银行(xíng)工作",
    ],
)
def test_glosses_written_in_context_are_kept(text: str) -> None:
    assert fix_ruby(text) == text
    assert find_ruby(text) == []


def test_the_no_leak_path_does_not_read_in_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """pypinyin is asked for readings in context only about characters with more than one
    reading, in a document the cheaper tests leave undecided: the counts settle a long
    leak, the prefilter a clean text."""

    def fail(*_args: object) -> None:
        raise AssertionError("context readings asked for")

    monkeypatch.setattr(readings, "context_readings", fail)
    assert fix_ruby("現(xiàn)代化城市建設(shè)正在進(jìn)行") == "現代化城市建設正在進行"
    assert fix_ruby("網(wǎng)站建設(shè)") == "網站建設"
    assert fix_ruby("王小明(Wang Xiaoming)在银行工作") == "王小明(Wang Xiaoming)在银行工作"
    assert fix_ruby("他在银行（上班）") == "他在银行（上班）"
    # A long document: only its tone digits are looked at (ruby.CONTEXT_TEXT_MAX).
    body = "今天的天气很好，我们去公园散步。" * 20
    assert len(body) > ruby.CONTEXT_TEXT_MAX
    fix_ruby(body + "重(zhòng)庆的银行(xíng)")
    assert fix_ruby(body + "调(diao4)查和单(dan1)位") == body + "调查和单位"


@pytest.mark.parametrize(
    "text",
    [
        "这家饭(fàn)店(diàn)的服务非常周到热情",  # a whole word glossed: a learner's
        "明年春天他打算去南(nán)方(fāng)旅游",
        "他们开会(huì)能(néng)大大提高效率",  # two: as likely a gloss of polyphonic characters
        "今天的大(dà)会(huì)很成功",
    ],
)
def test_glossed_words_and_two_polyphonic_glosses_are_kept(text: str) -> None:
    assert zhnorm.fix_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 臺 is read tái only; its simplified form 台 also stands for 颱, 檯 and tāi (天台):
        # a reader of 臺 has nothing to misread, so nobody glosses it.
        ("舞臺(tái)燈光和海港(gǎng)", "舞臺燈光和海港"),
        # A rare character with one syllable (glossed, by a person, for its rarity) beside
        # a common one read one way in use: two motives, a tool's.
        ("合(hé)作社奼(chà)紫嫣紅", "合作社奼紫嫣紅"),
        ("他嗅(xiù)到了合(hé)适的味道", "他嗅到了合适的味道"),
        # One toned annotation on a character nobody glosses, and a neutral-tone one.
        ("我们(men)去买菜(cài)", "我们去买菜"),
        ("瓜子(zi)儿放了很久，存(cún)疑", "瓜子儿放了很久，存疑"),
    ],
)
def test_annotations_no_reader_needs_are_repaired(text: str, expected: str) -> None:
    """Issue 17 point 5 (session 12): characters a gloss tells a reader nothing about."""
    assert fix_ruby(text) == expected
    assert {e.detail["gate"] for e in find_ruby(text)} == {"model"}
    assert fix_ruby(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        # A rare character and a common one in a reading a reader could miss (長 in 長輩;
        # pypinyin's default for 長 is that reading, so only its use tells).
        "他去蹓(liù)跶，見到長(zhǎng)輩",
        # Two rare characters: glossed for their rarity.
        "他去蹓(liù)跶，遇到鸱(chī)鸮",
        # One toned and one neutral annotation on a learner's word, or on quoted characters.
        "桌(zhuō)子(zi)很大",
        "'的(de)'和'我(wǒ)'是常用字",
    ],
)
def test_glosses_with_one_motive_are_kept(text: str) -> None:
    assert fix_ruby(text) == text
    assert find_ruby(text) == []


_LONE_GLOSS = """
import sys
from zhnorm.repair.ruby import fix_ruby
print(fix_ruby(sys.argv[1]))
print(sorted(m for m in ("zhnorm.language_model", "pypinyin", "jieba") if m in sys.modules))
"""


def test_a_lone_gloss_asks_no_model() -> None:
    """One toned annotation on a Simplified character, no neutral one beside it: kept
    without loading the language model, pypinyin or jieba."""
    fixed, loaded = run_fresh_python(_LONE_GLOSS, "去网(wǎng)吧玩").splitlines()
    assert fixed == "去网(wǎng)吧玩"
    assert loaded == "[]"


def test_a_traditional_character_is_ambiguous_as_its_simplified_form_is_used() -> None:
    """pypinyin's phrase list is Simplified: 結 is in one phrase there, 结 in hundreds."""
    assert readings.syllable_counts("結")[0][1] < ruby.MIN_PHRASES
    assert not ruby._ambiguous_in_use("結")
    assert ruby._ambiguous_in_use("長")


def test_a_run_is_words_where_the_segmentation_has_its_edges() -> None:
    groups, _toned = ruby._scan("他们一心一(yī)意(yì)地", allow_mangled=True)
    assert not ruby._run_is_words("他们一心一(yī)意(yì)地", groups)
    groups, _toned = ruby._scan("他们一(yī)心(xīn)一意", allow_mangled=True)
    assert ruby._run_is_words("他们一(yī)心(xīn)一意", groups) is False
    groups, _toned = ruby._scan("去南(nán)方(fāng)旅游", allow_mangled=True)
    assert ruby._run_is_words("去南(nán)方(fāng)旅游", groups)


_PIECES = st.sampled_from(
    [
        "現",
        "代",
        "們",
        "的",
        "区",
        "區",
        "輩^",
        "斑M",
        "网",
        "網",
        "站",
        "建",
        "設",
        "设",
        "長",
        "我",
        "菜",
        "合",
        "奼",
        "子",
        "。",
        " ",
    ]
)
_GROUPS = st.sampled_from(
    [
        "(xiàn)",
        "(xian4)",
        "(xian)",
        "（dài）",
        "(men)",
        "( qū )",
        "(wǎng)",
        "(shè)",
        "(jìn)",
        "(A)",
        "(zhǎng)",
        "(wǒ)",
        "(cài)",
        "(hé)",
        "(chà)",
        "(zi)",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, _GROUPS), max_size=14).map("".join))
@example("網(wǎng)站建設(shè)")  # two toned annotations on traditional-only characters: removed
@example("网(wǎng)站建设(shè)")  # two on Simplified characters nobody glosses: removed
@example("网(wǎng)")  # one on a Simplified character: kept
@example("我们(men)去买菜(cài)")  # one toned on a character nobody glosses, one neutral: removed
@example("合(hé)作奼(chà)紫")  # a rare character and one read one way in use: removed
@example("我(wǒ)現(xiàn)(xiàn)")  # counts pass, but a Simplified character is glossed: kept
def test_simplified_leak_needs_two_and_an_uninformative_character(text: str) -> None:
    """Without a toned annotation on a Traditional-only character, the gate needs two
    annotations, one of them toned and on a character a gloss would not help with (a
    common character read one way), or two toned ones mixing a rare character with one
    syllable and a common character read one way in use; a single gloss stays whatever
    the model says."""
    groups, toned = ruby._scan(text, allow_mangled=True)
    removed, gate = ruby._removed(text, False)
    annotations = [g for g in groups if not g.mangled]
    if not any(t.traditional for t in toned):
        if len(annotations) < 2 or not toned:
            assert (removed, gate) == ([], "")
        elif len(toned) == 1 and gate == "model":
            assert ruby._uninformative(text, toned[0])
        elif removed and gate == "model":
            assert any(ruby._uninformative(text, t) for t in toned) or ruby._mixed_motives(
                text, toned
            )
    elif ruby._structural_gate(toned):
        # Repeated toned leaks on traditional-only characters only: the counts decide.
        # With a Simplified character glossed among them the gate may still see a
        # learner's gloss (or, in a short text, readings in context) and keep them.
        if len(toned) >= MIN_ANNOTATIONS and all(t.traditional for t in toned):
            assert (removed, gate) == (groups, "counts")
        else:
            assert (removed, gate) in ((groups, "counts"), ([], ""))
    fixed = fix_ruby(text)
    assert fix_ruby(fixed) == fixed  # the model's verdicts are idempotent too
    assert apply_edits(text, find_ruby(text)) == fixed


def _fixed_by_scan(text: str, aggressive: bool = False) -> str:
    """fix_ruby's definition: the groups :func:`ruby._scan` and the gate remove."""
    return apply_edits(text, find_ruby(text, aggressive=aggressive))


_SPLIT_PIECES = st.sampled_from(
    [
        "現",
        "代",
        "們",
        "的",
        "網",
        "站",
        "建",
        "設",
        "设",
        "网",
        "行",
        "長",
        "輩^",
        "斑M",
        "?",
        "。",
        "，",
        " ",
        "\u3000",
        "a",
        "\x00",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_SPLIT_PIECES, _GROUPS), max_size=24).map("".join), st.booleans())
@example("網(wǎng)站建設(shè)產(chǎn)品", False)
@example("現 (xiàn)代(dài)(dài)輩^(qū)", False)
def test_split_view_decides_as_the_scan(text: str, aggressive: bool) -> None:
    """fix_ruby's fast path (one re.split, table lookups) gives the scan's result."""
    assert fix_ruby(text, aggressive=aggressive) == _fixed_by_scan(text, aggressive)


def test_split_view_on_real_leaks() -> None:
    texts = [_read(SEED_001)]
    path = DATA / "pinyin-paren-garble" / "examples.jsonl"
    if path.exists():
        texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()]
    for text in texts:
        assert fix_ruby(text) == _fixed_by_scan(text)
