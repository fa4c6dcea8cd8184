"""A short text garbled whole between GBK and Big5 (mojibake/short_text.py)."""

from __future__ import annotations

import random

import pytest

import zhnorm
from zhnorm.repair import fix_text
from zhnorm.repair.mojibake.driver import find_mojibake
from zhnorm.repair.mojibake.short_text import (
    short_lossy_edit,
    short_private_use_edit,
    short_single_byte_edit,
    short_text_edit,
)


@pytest.mark.parametrize(
    ("original", "writer", "reader"),
    [("大利", "gbk", "big5"), ("年来", "gbk", "big5"), ("文化", "big5", "gbk")],
)
def test_a_short_text_read_in_the_other_codec_is_restored(
    original: str, writer: str, reader: str
) -> None:
    garbled = original.encode(writer).decode(reader)
    assert garbled != original
    edit = short_text_edit(garbled)
    assert edit is not None and edit.replacement == original
    assert (edit.detail["encoded_as"], edit.detail["decoded_as"]) == (writer, reader)
    assert find_mojibake(garbled) == [edit]
    assert fix_text(f" {garbled}\n") == f" {original}\n"
    assert fix_text(fix_text(garbled)) == fix_text(garbled)  # idempotent


@pytest.mark.parametrize(
    "clean",
    [
        "大利",
        "年来",
        "文化",
        "商業中心",
        "东京タワー",
        "すし",
        "ありがとう",
        "αβγ",
        "靺鞨",
        "婧婧",
        "忐忑",
    ],
)
def test_clean_short_texts_stay(clean: str) -> None:
    assert short_text_edit(clean) is None
    assert fix_text(clean) == clean


@pytest.mark.parametrize(
    ("original", "writer", "reader"),
    [("星美凯", "gbk", "big5"), ("况下", "gbk", "big5"), ("澤清", "big5", "gbk")],
)
def test_a_reading_the_word_model_vouches_for_is_taken(
    original: str, writer: str, reader: str
) -> None:
    """A name or a cut phrase scores under SHORT_MEAN by characters; the word model's
    gain takes it (and the character model's gain is still asked)."""
    from zhnorm.repair.model import char_model
    from zhnorm.repair.mojibake.short_text import SHORT_MEAN

    assert char_model().mean_logprob(original) < SHORT_MEAN
    garbled = original.encode(writer).decode(reader)
    edit = short_text_edit(garbled)
    assert edit is not None and edit.replacement == original
    assert fix_text(garbled) == original


@pytest.mark.parametrize("clean", ["カタカナ", "のみ", "その", "コーヒー", "凱莉", "潑漆"])
def test_text_the_word_model_cannot_read_stays(clean: str) -> None:
    """Kana read as Big5 are common hanzi the word model prefers to kana (which it knows
    no better than garble), and clean pairs that re-read whole: the character model's
    gain (SHORT_WORDS_GAIN) keeps them."""
    assert short_text_edit(clean) is None
    assert fix_text(clean) == clean


def test_only_short_texts() -> None:
    garbled = "年来".encode("gbk").decode("big5")
    assert short_text_edit(garbled * 7) is None  # longer: the pre-filter's business


@pytest.mark.parametrize(
    ("original", "writer", "reader"),
    [
        ("星相", "big5", "latin-1"),
        ("影響", "big5", "cp1252"),
        ("年加入", "big5", "cp1252"),
        ("中文", "gbk", "latin-1"),
        ("澳洲", "gbk", "cp1252"),
        ("分钟", "gbk", "latin-1"),
    ],
)
def test_a_short_text_read_as_a_single_byte_page_is_restored(
    original: str, writer: str, reader: str
) -> None:
    garbled = original.encode(writer).decode(reader)
    edit = short_single_byte_edit(garbled)
    assert edit is not None and edit.replacement == original
    assert edit.detail["encoded_as"] == writer
    assert fix_text(garbled) == original
    assert fix_text(original) == original


@pytest.mark.parametrize(
    "clean",
    [
        "ÄÖÜß",
        "Ça va",
        "été",
        "Señor",
        "£100",
        "¿Qué?",
        "Ørsted",
        "Über",
        "©2020",
        "«»",
        "±5°C",
        "ÀÉÈ",
        "Ñoño",
        "Àà",
        "Éric",
        "Ångström",
        "São Paulo",
        "Ærø",
        "ÉÉ",
        "°C",
        "½¼",
    ],
)
def test_latin_short_texts_stay(clean: str) -> None:
    assert short_single_byte_edit(clean) is None
    assert fix_text(clean) == clean


def test_hkscs_characters_are_not_judged_by_the_model() -> None:
    # 𨋢 (HKSCS) is unknown to the model; the rest of the reading carries it.
    original = "需𨋢求"
    assert fix_text(original.encode("big5hkscs").decode("gbk")) == original
    assert fix_text(original.encode("big5hkscs").decode("latin-1")) == original


@pytest.mark.parametrize(
    ("original", "writer", "reader"),
    [("中國大陸的", "big5", "gbk"), ("是全球顶级汽", "gbk", "big5")],
)
def test_a_short_text_with_lost_bytes_is_read_whole(
    original: str, writer: str, reader: str
) -> None:
    garbled = original.encode(writer).decode(reader, "replace")
    assert "\ufffd" in garbled
    got = fix_text(garbled)
    assert got != garbled and len(got) == len(original)
    # Every character whose bytes survived is restored; the lost ones are U+FFFD.
    assert all(a in (b, "\ufffd") for a, b in zip(got, original, strict=True))
    assert sum(a == b for a, b in zip(got, original, strict=True)) >= len(original) - 2
    assert fix_text(got) == got


@pytest.mark.parametrize("clean", ["中文\ufffd", "\ufffd的", "你好\ufffd世界", "謝謝\ufffd"])
def test_a_clean_short_text_with_a_mark_stays(clean: str) -> None:
    assert short_lossy_edit(clean) is None
    assert fix_text(clean) == clean


@pytest.mark.parametrize("original", ["今年", "天元", "人民币", "法庭", "重慶直轄市政府機"])
def test_a_utf8_phrase_read_as_big5_with_lost_bytes_is_read_whole(original: str) -> None:
    # A Big5 reader fails on most continuation bytes of UTF-8 (80-A0), so most
    # characters lose a byte and few come back: the garble goes, the lost ones are
    # U+FFFD, one each, and the ones whose bytes all survived are restored.
    garbled = original.encode("utf-8").decode("big5", "replace")
    got = zhnorm.fix_text(garbled)
    assert got != garbled and len(got) == len(original)
    assert all(a in (b, "\ufffd") for a, b in zip(got, original, strict=True))
    assert zhnorm.fix_text(got) == got
    (edit,) = find_mojibake(garbled)
    assert edit.lossy and edit.detail["encoded_as"] == "utf-8"
    assert edit.detail["decoded_as"] == "big5"


def test_a_utf8_character_shown_across_two_characters_tells_the_writer() -> None:
    """报讯 read as Big5: 报 loses bytes, and 讯 (E8 AE AF) is shown as the second byte
    of 亥 and the two of 悖; no shown character starts a UTF-8 character."""
    from zhnorm.repair.mojibake.lattice import utf8_start
    from zhnorm.repair.mojibake.short_text import _utf8_char_shown

    garbled = "报讯".encode().decode("big5", "replace")
    shown = [ch for ch in garbled if ch != "\ufffd"]
    assert len(shown) == 2 and not any(utf8_start(ch, "big5") for ch in shown)
    assert _utf8_char_shown(garbled, "big5")
    assert zhnorm.fix_text(garbled) == "\ufffd讯"
    assert not _utf8_char_shown("亥悖", "gbk")  # not the bytes of one GBK reading


@pytest.mark.parametrize("clean", ["\ufffd\ufffd金\ufffd净", "金\ufffd净", "瀹\ufffd"])
def test_common_characters_chained_through_lost_marks_stay(clean: str) -> None:
    # 金 and 净 are GBK BD F0 and BE BB: through the lost marks their bytes chain into
    # UTF-8 (a lost lead, then BD; F0 starts a four-byte character), but neither
    # shows a character's start, so they are no evidence of UTF-8; one character
    # shown (瀹 is E5 AE, a start) is too little.
    assert short_lossy_edit(clean) is None
    assert zhnorm.fix_text(clean) == clean


def test_clean_pieces_with_lost_marks_are_not_read_whole(
    simplified_corpus: list[str], traditional_corpus: list[str]
) -> None:
    # Pieces of clean text up to the short texts' limit with lost marks put in: not
    # one is read whole (UTF-8 with lost bytes is tried up to 24 characters).
    rng = random.Random(13)
    texts = [t for t in simplified_corpus + traditional_corpus if len(t) > 30]
    changed = []
    for _ in range(3000):
        doc = rng.choice(texts)
        size = rng.randint(2, 24)
        k = rng.randrange(0, len(doc) - size)
        piece = list(doc[k : k + size])
        for _ in range(rng.randint(1, 3)):
            j = rng.randrange(len(piece) + 1)
            if j < len(piece) and rng.random() < 0.5:
                piece[j] = "\ufffd"
            else:
                piece.insert(j, "\ufffd")
        text = "".join(piece)
        if short_lossy_edit(text) is not None:
            changed.append(text)
    assert changed == []


@pytest.mark.parametrize("original", ["本科", "端虛", "科学", "本地"])
def test_a_utf8_phrase_read_as_gb18030_with_private_use_is_read_whole(original: str) -> None:
    """A GB18030 reader shows UTF-8's pairs in GBK's user-defined rows as private use
    (``鏈\ue102\ue756`` is 本科); no byte is lost and the whole text is UTF-8."""
    garbled = original.encode("utf-8").decode("gb18030")
    assert any("\ue000" <= ch <= "\uf8ff" for ch in garbled)
    edit = short_private_use_edit(garbled)
    assert edit is not None and edit.replacement == original and not edit.lossy
    assert edit.detail["encoded_as"] == "utf-8" and edit.detail["decoded_as"] in ("gbk", "gb18030")
    assert fix_text(garbled) == original
    assert fix_text(original) == original


@pytest.mark.parametrize(
    "clean", ["\ue000\ue001", "中\ue000", "\uf0b7项目", "公司\uf06c", "第\ue5e5章", "本科"]
)
def test_clean_short_texts_with_private_use_stay(clean: str) -> None:
    assert short_private_use_edit(clean) is None
    assert fix_text(clean) == clean
