import re

from zhnorm.chardata import HAN_CLASS, HAN_RANGES, is_basic_han, is_han, is_han_or_zero
from zhnorm.repair import plausibility as P
from zhnorm.repair.plausibility import (
    bigram_share,
    char_score,
    fluency,
    is_rare,
    lenient_plausibility,
    pair_fluency,
    phrase_linked,
    plausibility,
)


def test_scale_orders_clean_above_mojibake() -> None:
    assert plausibility("所属讨论区") > 1.8
    assert plausibility("發展") > 1.5
    assert plausibility("ËùÊôÌÖÂÛÇø") < 0
    assert plausibility("æµ‹è¯•") < 0
    assert plausibility("鍙戝竷") < plausibility("发布") - 1
    assert plausibility("") == 0.0


def test_char_classes() -> None:
    assert char_score("的") == 2.0
    assert char_score("\ue000") < -5
    assert char_score("ㄊ") < 0


def test_links_come_from_the_language_model() -> None:
    # Words of the list link their characters; mojibake and pairs across words do not.
    assert phrase_linked("发", "展") and phrase_linked("發", "展") and phrase_linked("内", "容")
    assert not phrase_linked("笢", "恅") and not phrase_linked("章", "审")
    assert bigram_share("鍙戝竷浼") == 0.0 < bigram_share("发布会")
    # The frequency bonus orders hanzi by the model's unigram, within 0..2.
    assert 0.0 <= P.frequency_bonus("绾") < P.frequency_bonus("耍") < P.frequency_bonus("人") <= 2.0


# --- the character facts and the shared fluency scores --------------------------------


def test_one_han_definition() -> None:
    han_re = re.compile(f"[{HAN_CLASS}]")
    probes = [lo for lo, _ in HAN_RANGES] + [hi for _, hi in HAN_RANGES]
    probes += [lo - 1 for lo, _ in HAN_RANGES] + [hi + 1 for _, hi in HAN_RANGES]
    probes += [0x3007, 0x4DC0, 0x2F00, 0x2E80, 0xE000, 0x41, 0x10FFFF]
    for code in probes:
        ch = chr(code)
        inside = any(lo <= code <= hi for lo, hi in HAN_RANGES)
        assert is_han(ch) == inside == bool(han_re.fullmatch(ch)), hex(code)
        assert is_han_or_zero(ch) == (inside or ch == "〇")
        assert is_basic_han(ch) == (0x4E00 <= code <= 0x9FFF)


def test_fluency_scores() -> None:
    assert pair_fluency("a", plausibility, lambda a, b: True) == plausibility("a")
    assert pair_fluency("发布会", plausibility, lambda a, b: True) == plausibility("发布会") + 2.0
    assert pair_fluency("发布会", plausibility, lambda a, b: False) == plausibility("发布会")
    assert lenient_plausibility("◆") == 1.5 > plausibility("◆")
    assert lenient_plausibility("发布") == plausibility("发布")
    assert fluency("\ufffd") == -6.0
    assert fluency("abc") == lenient_plausibility("abc")
    assert phrase_linked("发", "布") and not phrase_linked("发", "\ufffd")
    assert not phrase_linked("", "布")
    assert fluency("发布") == lenient_plausibility("发布") + 2.0
    assert bigram_share("发布会") > 0 and bigram_share("abc") == 0.0
    assert is_rare("\ufffd") and is_rare("鍙") and not is_rare("发") and not is_rare("a")
