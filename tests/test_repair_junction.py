"""The junction score ruby and layout share (``zhnorm.repair.junction``)."""

from __future__ import annotations

import pytest

from zhnorm.repair.junction import junction_logodds
from zhnorm.repair.model import char_model


def test_it_is_the_model_s_three_conditionals() -> None:
    lm = char_model()
    for a, b, gap in (
        ("網", "站", "()"),
        ("局", "部", "。"),
        ("行", "取", "()"),
        ("与", "他", "。"),
    ):
        expected = lm.conditional(a, b) - (lm.conditional(a, gap[0]) + lm.conditional(gap[-1], b))
        assert junction_logodds(a, b, gap) == pytest.approx(expected)
    assert junction_logodds("網", "", "()") == pytest.approx(-lm.conditional("網", "("))


def test_a_word_scores_above_a_word_boundary() -> None:
    assert junction_logodds("網", "站", "()") > junction_logodds("行", "取", "()") + 2
    assert junction_logodds("局", "部", "。") > junction_logodds("与", "他", "。") + 2


@pytest.mark.parametrize(
    ("a", "b", "gap"),
    [("", "站", "()"), ("網站", "站", "()"), ("網", "站站", "()"), ("網", "站", "")],
)
def test_bad_arguments(a: str, b: str, gap: str) -> None:
    with pytest.raises(ValueError, match="two characters and a gap"):
        junction_logodds(a, b, gap)
