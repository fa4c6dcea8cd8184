import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.repair.mojibake import find_mojibake, fix_mojibake

from .conftest import SHARED_DATA as DATA

ROWS = [
    json.loads(line)
    for line in (DATA / "mojibake-examples" / "mojibake_examples.jsonl").open(encoding="utf-8")
]
KNOWN_FAIL = {"utf8_read_as_gbk_lossy", "utf8_read_as_ptcp154"}


@pytest.mark.parametrize("row", [r for r in ROWS if not r["kind"].startswith("gbk_byte")])
def test_real_examples(row: dict[str, str]) -> None:
    if row["kind"] in KNOWN_FAIL:
        pytest.xfail("not yet repaired: " + row["kind"])
    assert fix_mojibake(row["garbled"]) == row["intended"]
    wrapped = "标题：" + row["garbled"] + "。好的"
    assert fix_mojibake(wrapped) == "标题：" + row["intended"] + "。好的"
    for e in find_mojibake(row["garbled"]):
        assert "encoded_as" in e.detail and "decoded_as" in e.detail


SENTENCES = ["测试新闻", "所属讨论区", "对中文编码", "今天天气很好", "中华人民共和国"]


PAIRS = [("utf-8", "cp1252"), ("utf-8", "latin-1"), ("gbk", "latin-1")]
# cp1252 leaves five bytes undefined; sentences that hit one are lossy cases, covered by
# the real lossy example above, so the exact round trip is only asserted for the rest.
LOSSLESS = [
    (clean, pair)
    for clean in SENTENCES
    for pair in PAIRS
    if len(clean.encode(pair[0]).decode(pair[1], errors="ignore")) == len(clean.encode(pair[0]))
]


@pytest.mark.parametrize(("clean", "pair"), LOSSLESS)
def test_synthetic_latin(clean: str, pair: tuple[str, str]) -> None:
    enc, dec = pair
    garbled = clean.encode(enc).decode(dec, errors="ignore")
    assert fix_mojibake("前文" + garbled + "后文") == "前文" + clean + "后文"


def _texts(name: str) -> list[str]:
    return [json.loads(line)["text"] for line in (DATA / name).open(encoding="utf-8")]


@pytest.mark.parametrize(
    "name", ["thucnews-cnews-sample/cnews_val_1000.jsonl", "drcd-zh-tw/drcd_paragraphs.jsonl"]
)
def test_clean_corpora_untouched(name: str) -> None:
    changed = [t for t in _texts(name) if find_mojibake(t)]
    assert changed == []


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_never_raises_and_idempotent(s: str) -> None:
    fixed = fix_mojibake(s)
    assert fix_mojibake(fixed) == fixed


@pytest.mark.parametrize(
    "clean",
    [
        "禮物的特展──在洛杉磯",
        "美國大使───史都華",
        "××××公司於2008年成立",
        "溫度為25°—30°之間",
        "Café 與 naïve 咖啡館",
        "矶快船猕猴都羁绊。",
    ],
)
def test_clean_lookalikes_untouched(clean: str) -> None:
    assert find_mojibake(clean) == []


def test_gbk_tell_before_clean_text() -> None:
    assert fix_mojibake("鍙戝竷新闻") == "发布新闻"


def test_seed_000_untouched() -> None:
    seed = Path(__file__).resolve().parents[1] / "seeds" / "000_4282e08e67390612.txt"
    assert find_mojibake(seed.read_text(encoding="utf-8")) == []
