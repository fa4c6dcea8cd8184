"""A short text garbled whole between GBK and Big5 (mojibake/short_text.py)."""

from __future__ import annotations

import pytest

from zhnorm.repair import fix_text
from zhnorm.repair.mojibake.driver import find_mojibake
from zhnorm.repair.mojibake.short_text import (
    short_lossy_edit,
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
