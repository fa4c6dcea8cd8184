from zhnorm.repair.plausibility import SUSPICIOUS_RE, char_score, plausibility


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
    assert SUSPICIOUS_RE.search("今天天气很好，我们去公园。") is None
    assert SUSPICIOUS_RE.search("鍙戝竷") is not None
