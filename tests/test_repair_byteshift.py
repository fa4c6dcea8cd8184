import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.repair import byteshift as B
from zhnorm.repair.byteshift import find_byteshift, fix_byteshift

from .conftest import SHARED_DATA as DATA

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


@pytest.mark.xfail(reason="without document context the gain gate rejects this run", strict=False)
def test_synthetic_shift_with_ascii_resync() -> None:
    # 進 = DF 4D: its ASCII trail byte brings the stream back in step.
    text = "工作順利。“按照目前進度完成任務"
    data = text.encode("gbk")
    cut = data.index("。".encode("gbk")) + 1
    garbled = _shift(text, cut)
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


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_and_idempotent(s: str) -> None:
    fixed = fix_byteshift(s)
    assert fix_byteshift(fixed) == fixed


# --- the fast scoring agrees with the plain lattice search ------------------------------


def _positions(text: str) -> list[tuple[B._Position, list[B._Run]]]:
    doc = B._Doc(text)
    out = []
    pos = text.find("?")
    while pos != -1:
        scan, runs = B._hypotheses(text, pos)
        if runs:
            out.append((B._Position(text, scan, pos, doc), runs))
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
    """Hypotheses are scored from shared pieces and bounds (B._Position); the numbers,
    paths and resolution verdicts must be those of the plain lattice search."""
    checked = stripped = 0
    for text in _shift_samples():
        for position, runs in _positions(text):
            for run in runs:
                lat = position.lattice(run)
                B._search(lat, position.doc)
                assert position.score(run) == lat.score == B._value(lat, position.doc)
                assert position.score(run, lat.score - 0.5) >= lat.score  # bound or value
                if run.stripped_pair:
                    stripped += 1
                    lost = B._render(lat, position.doc)[1]
                    assert position.resolved(run) == (lost == 0)
                else:
                    assert position.solve(run).path == lat.path
                checked += 1
    assert checked > 200 and stripped > 50, (checked, stripped)
