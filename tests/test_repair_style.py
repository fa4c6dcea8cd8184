from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhnorm.repair.style import find_style
from zhnorm.repair.types import apply_edits


def styled(text: str, **options: object) -> str:
    return apply_edits(text, find_style(text, **options))  # type: ignore[arg-type]


def test_fullwidth_ascii() -> None:
    assert styled("ＶＩＰ会员２０１２年ｉＰｈｏｎｅ") == "VIP会员2012年iPhone"


def test_halfwidth_katakana_composes_voiced_marks() -> None:
    assert styled("ｶﾞｲﾄﾞﾌﾞｯｸ｡｢ﾊﾟﾝ｣") == "ガイドブック。「パン」"


def test_spaces() -> None:
    assert styled("　　第一段\u00a0内容\u2002x") == "  第一段 内容 x"


def test_cjk_punctuation_never_made_halfwidth_by_default() -> None:
    text = "你好，世界。真的！为什么？（注）“引号”「括号」、；：…—"
    assert find_style(text) == []


def test_switches() -> None:
    text = "ＶＩＰ　ｶﾞ"
    assert styled(text, fullwidth_ascii=False) == "ＶＩＰ ガ"
    assert styled(text, halfwidth_katakana=False) == "VIP ｶﾞ"
    assert styled(text, spaces=False) == "VIP　ガ"
    assert find_style(text, fullwidth_ascii=False, halfwidth_katakana=False, spaces=False) == []


def test_punctuation_cjk_profile() -> None:
    text = "中文,测试.好!真的?是;比分:3.5 10:30 www.a.cn 合作院校(部分) 愛金卡(icash)"
    assert styled(text, punctuation="cjk") == (
        "中文，测试。好！真的？是；比分:3.5 10:30 www.a.cn 合作院校（部分） 愛金卡(icash)"
    )
    assert styled("Hello, world. 1,000", punctuation="cjk") == "Hello, world. 1,000"


def test_punctuation_ascii_profile() -> None:
    assert styled("你好，世界。（注）“引”、", punctuation="ascii") == "你好,世界.(注)“引”、"


def test_bad_profile() -> None:
    with pytest.raises(ValueError):
        find_style("x", punctuation="fancy")  # type: ignore[arg-type]


def test_ascii_text_is_skipped() -> None:
    assert find_style("plain ascii, text.") == []


_ALPHABET = "ＡＺａ０９ｶﾞﾟ｡　\u00a0 中文,.!?()（），。ab1"


@pytest.mark.parametrize("profile", [None, "cjk", "ascii"])
def test_idempotent(profile: str | None) -> None:
    @given(st.text(alphabet=_ALPHABET))
    def check(text: str) -> None:
        once = styled(text, punctuation=profile)
        assert styled(once, punctuation=profile) == once

    check()
