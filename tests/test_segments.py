"""Units of a text: line breaks of every kind, sentences, soft breaks (runs of spaces)."""

from __future__ import annotations

import itertools
import pickle

import pytest

from zhnorm.textreuse.segments import (
    has_line_breaks,
    line_spans,
    segments,
    sentence_spans,
    unit_spans,
    unit_spans_batch,
)

from .conftest import SEEDS


@pytest.mark.parametrize("brk", ["\n", "\r\n", "\r", "\u2028", "\u2029", "\f", "\n\n\r\n"])
def test_every_line_break(brk: str) -> None:
    text = f"第一行{brk}第二行{brk}"
    assert has_line_breaks(text)
    assert [text[a:b] for a, b in line_spans(text)] == ["第一行", "第二行"]


def test_sentences_with_closers_full_width_and_ascii() -> None:
    text = "他說：「好。」她問？！（是的。）OK! Really? 第三；完"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "他說：「好。」", "她問？！", "（是的。）", "OK!", "Really?", "第三；", "完",
    ]  # fmt: skip


def test_urls_and_decimals_are_not_cut() -> None:
    text = "見https://udn.com/a.php?id=3&x=1 與3.5%的數據。下一句"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "見https://udn.com/a.php?id=3&x=1 與3.5%的數據。", "下一句",
    ]  # fmt: skip


def test_runs_of_spaces_are_soft_breaks() -> None:
    text = "圖／本報資料照片   分享\u00a0\u00a0facebook 一個空格不算\u3000\u3000全形空格"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "圖／本報資料照片", "分享", "facebook 一個空格不算", "全形空格",
    ]  # fmt: skip


def test_labels_bylines_and_bullets_are_units() -> None:
    text = "【記者王明／台北報導】颱風今晚逼近。▲颱風路徑圖。■記者李華攝影"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "【記者王明／台北報導】", "颱風今晚逼近。", "▲颱風路徑圖。", "■記者李華攝影",
    ]  # fmt: skip


def test_units_are_lines_and_sentences_of_unbroken_or_long_text() -> None:
    unbroken = "第一句。第二句。"
    assert segments(unbroken) == ["第一句。", "第二句。"]
    broken = "第一句。第二句。\r第二段"
    assert segments(broken) == ["第一句。第二句。", "第二段"]
    long_line = "長句子。" * 30 + "\n短段"
    assert len(unit_spans(long_line, long_line=50)) == 31
    assert len(unit_spans(long_line)) == 2


def test_spans_are_exact_and_stripped_on_the_seeds() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text("utf-8")
        spans = sentence_spans(text)
        assert spans == sorted(spans)
        for (_, b), (c, _) in itertools.pairwise(spans):
            assert b <= c
        for a, b in spans:
            piece = text[a:b]
            assert piece and piece == piece.strip()
        # nothing but white space is left out
        covered = "".join(text[a:b] for a, b in spans)
        assert "".join(covered.split()) == "".join(text.split())


@pytest.mark.parametrize("text", ["", "   ", "\n\r\n", "。。。", "  \u3000  "])
def test_empty_and_blank_texts(text: str) -> None:
    assert all(text[a:b].strip() for a, b in unit_spans(text))
    assert unit_spans_batch([text, "甲。乙"]) == [unit_spans(text), [(0, 2), (2, 3)]]
    assert pickle.loads(pickle.dumps(unit_spans(text))) == unit_spans(text)


def test_a_long_text_is_keyed_in_chunks_with_exact_maps() -> None:
    from zhnorm.textreuse.document import doc_key
    from zhnorm.textreuse.repeats import paragraphs_of
    from zhnorm.textreuse.segments import chunk_spans, doc_key_in_chunks

    text = "".join(p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")))
    spans = chunk_spans(text, 500)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(b == c for (_, b), (c, _) in itertools.pairwise(spans))
    assert all(0 < b - a <= 500 for a, b in spans)
    whole, chunked = doc_key(text), doc_key_in_chunks(text, size=500)
    assert doc_key_in_chunks(text).key == whole.key  # short enough: keyed whole
    # repair decides per chunk, so a few key characters may differ at the cuts
    assert abs(len(chunked.key) - len(whole.key)) <= 10
    assert len(chunked.key_starts) == len(chunked.key) == len(chunked.key_rep_starts)
    for i in range(0, len(chunked.key), 7):
        assert text[chunked.key_starts[i] : chunked.key_ends[i]].strip()
    for para in paragraphs_of(chunked):
        assert text[para.start : para.end] == para.text


def test_a_text_without_any_break_or_punctuation_is_cut_hard() -> None:
    from zhnorm.textreuse.repeats import paragraphs
    from zhnorm.textreuse.segments import chunk_spans

    text = "甲乙丙丁" * 60_000  # 240,000 characters, no sentence end, no space
    assert chunk_spans(text) == [(0, 100_000), (100_000, 200_000), (200_000, 240_000)]
    [para] = paragraphs(text)
    assert (para.start, para.end) == (0, len(text)) and len(para.key) == len(text)
