from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhnorm.repair.clutter import PUA_BULLETS, RADICAL_SUPPLEMENT, _compat_table, find_clutter
from zhnorm.repair.types import apply_edits

from .repair_cases import cases


def clean(text: str) -> str:
    return apply_edits(text, find_clutter(text))


@pytest.mark.parametrize(
    ("source", "expected"),
    [pytest.param(c.original, c.fixed, id=c.label) for c in cases("clutter", "entities")],
)
def test_entities(source: str, expected: str) -> None:
    assert clean(source) == expected


@pytest.mark.parametrize(
    "text", [pytest.param(c.original, id=c.label) for c in cases("clutter", "non-entities")]
)
def test_non_entities_left_alone(text: str) -> None:
    assert find_clutter(text) == []


def test_compatibility_ideographs_follow_opencc() -> None:
    table = _compat_table()
    assert len(table) >= 1000
    for source, target in table.items():
        assert clean(source) == target == unicodedata.normalize("NFKC", source)
    # Compatibility-block code points that are really unified ideographs stay.
    for ch in "\ufa0e\ufa0f\ufa11\ufa13\ufa14\ufa1f\ufa21\ufa23\ufa24\ufa27\ufa28\ufa29":
        assert find_clutter(ch) == []


def test_kangxi_radicals() -> None:
    assert clean("⼀⼆⼈⼤") == "一二人大"
    for cp in range(0x2F00, 0x2FD6):
        out = clean(chr(cp))
        assert len(out) == 1
        assert unicodedata.name(out).startswith("CJK UNIFIED IDEOGRAPH")


def test_radical_supplement() -> None:
    assert clean("⻄安⻔⻓") == "西安门长"
    for source, target in RADICAL_SUPPLEMENT.items():
        assert 0x2E80 <= ord(source) <= 0x2EFF
        assert unicodedata.name(target).startswith("CJK UNIFIED IDEOGRAPH")
        assert clean(source) == target
    # Component-only forms have no standalone equivalent and are left alone.
    for ch in "⺅⻖⻠⺮⻌":
        assert find_clutter(ch) == []


def test_invisible_characters() -> None:
    assert clean("空中目\u200b\u200b標") == "空中目標"
    assert clean("軟\u00ad體\u2060件") == "軟體件"
    assert clean("前\u200c後\u200d") == "前後"
    assert clean("\ufeff正文\ufeff中") == "\ufeff正文中"  # leading BOM is a file signature
    # Meaningful joiners are kept.
    assert find_clutter("👨\u200d👩\u200d👧") == []
    assert find_clutter("می\u200cخواهم") == []
    assert find_clutter("ภาษา\u200bไทย") == []


def test_control_characters() -> None:
    assert clean("风。\x7f白色") == "风。白色"
    assert clean("a\x00b\x1bc") == "abc"
    assert find_clutter("a\tb\nc\rd\x0be\x0cf") == []
    assert find_clutter("\x80\x9f") == []  # C1 is mojibake evidence, not clutter


def test_symbol_font_bullets() -> None:
    assert (
        clean("院校(部分)：\uf0d8 欧洲设计学院。\uf0d8 NABA")
        == "院校(部分)：➢ 欧洲设计学院。➢ NABA"
    )
    assert clean("\uf0b7\t第一项") == "•\t第一项"
    for ch, target in PUA_BULLETS.items():
        assert clean("\n" + ch + " x") == "\n" + target + " x"
    # Not in bullet position, or not a known bullet: left alone.
    assert find_clutter("a\uf0d8 b") == []
    assert find_clutter("\uf0d8b") == []
    assert find_clutter("\ue000 \ue4c6 ") == []


def test_edit_offsets_and_details() -> None:
    text = "甲&amp;乙\u200b丙⻄"
    edits = find_clutter(text)
    assert [e.reason for e in edits] == ["html-entity", "invisible", "radical-supplement"]
    for e in edits:
        assert text[e.start : e.end] == e.original


def test_clean_text_has_no_edits() -> None:
    assert find_clutter("本报讯 2月11日，我区举行项目集中开工仪式。H&M。") == []


@given(st.text())
def test_never_raises_and_idempotent(text: str) -> None:
    once = clean(text)
    assert isinstance(once, str)
    assert clean(once) == once or "&" in once


@given(
    st.lists(
        st.sampled_from(
            [
                "中",
                "&",
                "amp;",
                "nbsp;",
                "#20013;",
                "\u200b",
                "\u200d",
                "⻄",
                "\uf0d8",
                " ",
                "a",
                "\x7f",
            ]
        )
    ).map("".join)
)
def test_idempotent_on_clutter_alphabet(text: str) -> None:
    once = clean(text)
    assert clean(once) == once or "&" in text


@pytest.mark.parametrize("clean", ["中国经济学会", "后来，中国的学者们", "学中文"])
def test_soft_hyphen_inside_mojibake_is_left_to_mojibake(clean: str) -> None:
    """Byte AD (of 中 E4 B8 AD, 学 E5 AD A6) reads as a soft hyphen in Latin-1: inside a
    garbled run it is a byte of the run, and clutter leaves it there."""
    garbled = clean.encode("utf-8").decode("latin-1")
    assert "\u00ad" in garbled
    text = "前文" + garbled + "后文"
    assert all("\u00ad" not in e.original for e in find_clutter(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中\u00ad文", "中文"),
        ("Zei\u00adtung", "Zeitung"),
        ("Mün\u00adchen", "München"),
        ("é\u00adà", "éà"),
        ("\u00ad" * 50 + "中文" + "\u00ad" * 50, "中文"),  # a run of hints is no garble
        ("Ã\u00ad\u00ad", "Ã"),
    ],
)
def test_soft_hyphen_outside_mojibake_is_removed(text: str, expected: str) -> None:
    assert apply_edits(text, find_clutter(text)) == expected
