import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.repair.byteshift import find_byteshift, fix_byteshift
from zhnorm.repair.byteshift.evidence import Doc
from zhnorm.repair.byteshift.hypotheses import Run, hypotheses
from zhnorm.repair.byteshift.keeping import render_lattice
from zhnorm.repair.byteshift.lattice import search_lattice
from zhnorm.repair.byteshift.position import Position
from zhnorm.repair.byteshift.segments import lattice_value

from .conftest import SHARED_DATA as DATA
from .repair_cases import cases

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "001_32a35c23f3667b8e.txt"

# Ground truth derived by hand (GBK bytes re-aligned; confirmed against seed 000 and
# clean sentences of the same document).  (garbled run, intended text)
TRUTH = [
    ("?!蹦贤ㄊ形N?", "。”南通市委常委"),
    ("?!蓖ㄖ輩^", "。”通州區"),
    ("?!鞍凑漳壳斑M", "。“按照目前進"),
    ("?!崩畈▽ξ磥戆l", "。”李波對未來發"),
    ("?!巴ㄖ輩^", "。“通州區"),
    ("?!苯?", "。”近日"),
]


def _restored(edits_text: str, intended: str) -> int:
    return sum(1 for a, b in zip(edits_text, intended, strict=False) if a == b)


def test_seed_001_restoration_rate() -> None:
    text = SEED.read_text(encoding="utf-8")
    edits = find_byteshift(text)
    total = restored = 0
    for e in edits:
        truth = dict(TRUTH).get(e.original)
        assert truth is not None, e
        total += len(truth)
        restored += _restored(e.replacement, truth)
    # runs not edited count as fully unrestored: 10 '?' runs, 63 damaged chars
    # (incl. 當(dāng)?shù)卣_ = 地政府開, which lost most bytes to stripped private-use pairs)
    total = 2 * 8 + 5 * 4 + 7 + 8 + 4 + 4
    print("seed-001 restored", restored, "of", total)
    assert restored / total >= 0.80, (restored, total)
    fixed = fix_byteshift(text)
    assert "確保中國式現(xiàn)代化通州新實(shí)踐開好局起好步。”南通市委常委、" in fixed
    assert fix_byteshift(fixed) == fixed
    # undamaged characters untouched: every edit covers only the garbled run
    for e in edits:
        assert e.original.startswith("?")


def test_seed_000_and_genuine_question_untouched() -> None:
    assert find_byteshift((ROOT / "seeds" / "000_4282e08e67390612.txt").read_text()) == []
    assert find_byteshift("如何從中闖出一條發展道路?近日,通州區委專門印發") == []


def _shift(text: str, cut: int) -> str:
    """Simulate chunked GBK decoding: a chunk boundary inside a character."""
    data = text.encode("gbk")
    head, tail = data[:cut], data[cut:]
    out = head[:-1].decode("gbk") + "?"
    shifted = tail.decode("gbk", errors="replace").replace("\ufffd", "?")
    # the seed's source normalised full-width ASCII (！ -> !); mimic it
    shifted = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in shifted)
    return out + shifted


CLEAN = "我们将以推动高质量发展为主题。“确保项目建设速度按照目前进度完成。”李波表示。"


# --- real SogouCA rows (shared/data/mojibake-examples, kind gbk_byte_dropped_misalignment) --


def _sogou_rows() -> list[dict[str, str]]:
    path = DATA / "mojibake-examples" / "mojibake_examples.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    return [r for r in rows if r["kind"] == "gbk_byte_dropped_misalignment"]


def test_sogou_rows_are_the_two_known() -> None:
    assert [r["garbled"][:4] for r in _sogou_rows()] == ["?；泼鳎", "?Ｗ髡撸"]


def _never_wrong(fixed: str, intended: str) -> None:
    """Every character of ``fixed`` is the intended one or U+FFFD (same length)."""
    assert len(fixed) == len(intended), (fixed, intended)
    wrong = [(a, b) for a, b in zip(fixed, intended, strict=True) if a not in (b, "\ufffd")]
    assert not wrong, (fixed, wrong)


def test_sogou_huang_ming_no_invented_characters() -> None:
    # ?        = lost lead of (?? A3): the character before 黄 (its trail A3 is known; 。 is
    #            likely, but nothing in the bytes or the text says so) -> U+FFFD
    # ；泼鳎合衷谖倚 = A3BB C6C3 F7A3 BACF D6D4 DACE D2D0: re-aligned 黄明：现在我 (all bytes
    #            known), then D0 + the byte shown as '?' before 布 (D0xx with xx B2
    #            undecodable: 歇蝎鞋协挟携续轩喧宣悬旋玄, 宣 intended) -> U+FFFD.
    # Formerly: 迹 (a phrase-list bigram 迹黄 among 112 candidates) and a stripped
    # private-use pair splitting the known 我 into 为忠.
    row = _sogou_rows()[0]
    garbled, intended = row["garbled"], row["intended"]
    edits = find_byteshift(garbled)
    assert len(edits) == 1
    (e,) = edits
    assert (e.start, e.end) == (0, garbled.index("布"))
    assert e.replacement == "\ufffd黄明：现在我\ufffd"
    assert e.lossy and e.detail["unrecovered"] == 2 and e.detail["stripped_pairs"] == 0
    assert e.detail["tail_lost"]
    fixed = fix_byteshift(garbled)
    assert fixed == "\ufffd黄明：现在我\ufffd布，全国缉枪制爆统一销毁行动开始！"
    _never_wrong(fixed[1:], intended)  # (the first character is not in the intended text)
    assert fix_byteshift(fixed) == fixed


def test_sogou_author_line_honest() -> None:
    # ?Ｗ髡撸禾酪涣痢∽? = ? A3D7 F7D5 DFA3 BACC C0D2 BBC1 C1A1 A1D7 ?: re-aligned
    # (?? A3) 作者：汤一亮　 (D7 ??): 庄 = D7AF, its AF shown as '?' (AF CA does not
    # decode); D7AA-D7AF and D7F8-D7FE all fit, nothing in the text picks one -> U+FFFD.
    row = _sogou_rows()[1]
    garbled, intended = row["garbled"], row["intended"]
    (e,) = find_byteshift(garbled)
    assert (e.start, e.end) == (0, garbled.index("胜"))
    assert e.replacement == "\ufffd作者：汤一亮\u3000\ufffd"
    assert e.lossy and e.detail["unrecovered"] == 2 and e.detail["stripped_pairs"] == 0
    fixed = fix_byteshift(garbled)
    _never_wrong(fixed[1:], intended)
    assert fix_byteshift(fixed) == fixed


def test_sogou_rows_with_document_context() -> None:
    # The same runs inside a document that uses the intended words elsewhere: document
    # bigrams now single out 宣 (宣布) and 庄 (庄胜); still nothing is invented.
    row0, row1 = _sogou_rows()
    text = "国务院宣布决定。记者庄胜春报道。" + row0["garbled"] + row1["garbled"]
    fixed = fix_byteshift(text)
    assert "\ufffd黄明：现在我宣布，" in fixed
    assert "\ufffd作者：汤一亮\u3000庄胜春" in fixed
    assert fix_byteshift(fixed) == fixed


@pytest.mark.xfail(reason="without document context the gain gate rejects this run", strict=False)
def test_synthetic_shift_with_ascii_resync() -> None:
    # 進 = DF 4D: its ASCII trail byte brings the stream back in step.
    (case,) = cases("byteshift", "ascii-resync")
    text = case.fixed
    data = text.encode("gbk")
    cut = data.index("。".encode("gbk")) + 1
    garbled = _shift(text, cut)
    assert garbled == case.original
    assert fix_byteshift(garbled) == text


@pytest.mark.parametrize("seed", range(20))
def test_synthetic_random_cuts_never_hurt(seed: int) -> None:
    rng = random.Random(seed)
    data = CLEAN.encode("gbk")
    cuts = [i + 1 for i in range(0, len(data) - 4, 2)]
    garbled = _shift(CLEAN, rng.choice(cuts))
    fixed = fix_byteshift(garbled)
    assert fix_byteshift(fixed) == fixed
    # never worse: characters outside edits are kept
    for e in find_byteshift(garbled):
        assert garbled[e.start] == "?"


def _texts(name: str) -> list[str]:
    path = DATA / name
    return [json.loads(line)["text"] for line in path.open(encoding="utf-8")]


@pytest.mark.parametrize(
    "name", ["thucnews-cnews-sample/cnews_val_1000.jsonl", "drcd-zh-tw/drcd_paragraphs.jsonl"]
)
def test_clean_corpora_untouched(name: str) -> None:
    for text in _texts(name):
        assert find_byteshift(text) == []


# --- synthetic shifts of real sentences: recall, and never a wrong character ----------


def _ascii(s: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in s)


def _synthetic(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` THUCNews sentences, each shifted (:func:`_shift`) at a random lead byte."""
    rng = random.Random(seed)
    found = []
    for text in _texts("thucnews-cnews-sample/cnews_val_1000.jsonl"):
        for sentence in re.findall(r"[^。！？]+[。！？]?", text):
            sentence = sentence.strip()
            if len(sentence) >= 10 and "?" not in sentence and _gbk_ok(sentence):
                found.append(sentence)
    rng.shuffle(found)
    cases = []
    for sentence in found[:n]:
        data = sentence.encode("gbk")
        cuts, i = [], 0
        while i < len(data):
            if data[i] >= 0x81:
                cuts.append(i + 1)
            i += 2 if data[i] >= 0x81 else 1
        cases.append((sentence, _shift(sentence, rng.choice(cuts))))
    return cases


def _gbk_ok(s: str) -> bool:
    try:
        s.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def _measure(cases: list[tuple[str, str]]) -> Counter[str]:
    """Runs repaired, damaged / restored / wrong / U+FFFD characters (full-width ASCII
    compared as ASCII: the simulated source normalised it)."""
    got: Counter[str] = Counter()
    for truth, garbled in cases:
        p = garbled.index("?")
        tail, gtail = _ascii(truth[p:]), _ascii(garbled[p:])
        same = 0
        while same < min(len(tail), len(gtail)) - 1 and tail[-1 - same] == gtail[-1 - same]:
            same += 1
        damaged = len(tail) - same
        got["runs"] += 1
        got["damaged"] += damaged
        edits = find_byteshift(garbled)
        assert all(e.start >= p and garbled[e.start] == "?" for e in edits)
        if not edits:
            continue
        got["repaired"] += 1
        e = edits[0]
        assert e.start == p and len(edits) == 1
        for i, ch in enumerate(e.replacement):
            want = tail[i] if i < len(tail) else ""
            if ch == "\ufffd":
                got["unknown"] += 1
            elif _ascii(ch) == want:
                got["restored"] += i < damaged
            else:
                got["wrong"] += 1
    return got


def test_synthetic_thucnews_shifts() -> None:
    """300 real sentences shifted at a random lead byte.  Measured: 74 runs repaired, 422
    of 1,267 damaged characters restored exactly, 138 left U+FFFD, none wrong (before
    inferred characters needed document evidence: 95 runs, 451 restored, 140 wrong)."""
    got = _measure(_synthetic(300, 1))
    print("synthetic", dict(got))
    assert got["runs"] == 300
    assert got["wrong"] == 0, got
    assert got["repaired"] >= 60 and got["restored"] >= 380, got


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_and_idempotent(s: str) -> None:
    fixed = fix_byteshift(s)
    assert fix_byteshift(fixed) == fixed


# --- the fast scoring agrees with the plain lattice search ------------------------------


def _positions(text: str) -> list[tuple[Position, list[Run]]]:
    doc = Doc(text)
    out = []
    pos = text.find("?")
    while pos != -1:
        scan, runs = hypotheses(text, pos)
        if runs:
            out.append((Position(text, scan, pos, doc), runs))
        pos = text.find("?", pos + 1)
    return out


def _shift_samples() -> list[str]:
    rng = random.Random(7)
    sentences = _texts("drcd-zh-tw/drcd_paragraphs.jsonl")[:300:7]
    sentences += _texts("thucnews-cnews-sample/cnews_val_1000.jsonl")[:300:7]
    out = [SEED.read_text(encoding="utf-8")]
    for text in sentences:
        piece = text[: rng.randint(12, 60)]
        try:
            data = piece.encode("gbk")
        except UnicodeEncodeError:
            continue
        cuts, i = [], 0  # right after a lead byte
        while i < len(data):
            if data[i] >= 0x81:
                cuts.append(i + 1)
            i += 2 if data[i] >= 0x81 else 1
        if cuts:
            out.append(text[:20] + _shift(piece, rng.choice(cuts)))
    return out


def test_fast_scores_equal_lattice_search() -> None:
    """Hypotheses are scored from shared pieces and bounds (Position); the numbers,
    paths and resolution verdicts must be those of the plain lattice search."""
    checked = stripped = 0
    for text in _shift_samples():
        for position, runs in _positions(text):
            for run in runs:
                lat = position.lattice(run)
                search_lattice(lat, position.doc)
                assert position.score(run) == lat.score == lattice_value(lat, position.doc)
                assert position.score(run, lat.score - 0.5) >= lat.score  # bound or value
                if run.stripped_pair:
                    stripped += 1
                    lost = render_lattice(lat, position.doc)[1]
                    assert position.resolved(run) == (lost == 0)
                else:
                    assert position.solve(run).path == lat.path
                checked += 1
    assert checked > 200 and stripped > 50, (checked, stripped)
