"""A short text garbled whole between GBK and Big5 (mojibake/short_text.py)."""

from __future__ import annotations

import pytest

from zhnorm.repair import fix_text
from zhnorm.repair.mojibake.driver import find_mojibake
from zhnorm.repair.mojibake.short_text import short_text_edit


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
