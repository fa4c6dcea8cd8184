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
# Lossy rows whose lost character the evidence does not single out.  In 鏂囩珷鍐呭 the
# reader dropped the pair AE B9 of 容 (E5 AE B9); every hanzi E5 xx xx whose missing
# bytes GBK cannot show is possible, and 内外 is a stronger phrase-list bigram than
# 内容.  In 瀹屾垚32绔犲鏌ユ姤鍛? the pair AE A1 of 审 was dropped mid-run: 审查 and 备查
# are equally good bigrams with the right neighbour (章审 / 章备 are none), and both
# fit the byte evidence.  The honest output marks those places with U+FFFD (lossy);
# the other lost character of that row (告, from E5 91 + "?") is singled out by 报告.
HONEST = {
    "鏂囩珷鍐呭": "文章内\ufffd",
    "瀹屾垚32绔犲鏌ユ姤鍛?": "完成32章\ufffd查报告",
}


@pytest.mark.parametrize("row", [r for r in ROWS if not r["kind"].startswith("gbk_byte")])
def test_real_examples(row: dict[str, str]) -> None:
    expected = HONEST.get(row["garbled"], row["intended"])
    assert fix_mojibake(row["garbled"]) == expected
    wrapped = "标题：" + row["garbled"] + "。好的"
    assert fix_mojibake(wrapped) == "标题：" + expected + "。好的"
    edits = find_mojibake(row["garbled"])
    for e in edits:
        assert "encoded_as" in e.detail and "decoded_as" in e.detail
    if row["kind"].endswith("_lossy"):
        assert edits and all(e.lossy and e.detail["lossy_note"] for e in edits)


def test_lossy_counts_guessed_and_unrecovered() -> None:
    (edit,) = find_mojibake("瀹屾垚32绔犲鏌ユ姤鍛?")
    assert edit.original == "瀹屾垚32绔犲鏌ユ姤鍛?"  # the "?" stood for the lost byte 8A
    assert edit.lossy
    assert (edit.detail["guessed"], edit.detail["unrecovered"]) == (1, 1)
    (edit,) = find_mojibake("鏂囩珷鎽樿")  # the truncated tail is part of the one edit
    assert (edit.replacement, edit.detail["guessed"], edit.detail["unrecovered"]) == (
        "文章摘要",
        1,
        0,
    )


def test_lossy_run_keeps_clean_neighbours() -> None:
    # The bytes A1 A3 of "。" would complete the truncated E8 of 樿 into 衣; the lossy
    # reading 文章摘要 + "。" wins on the same stretch, so the clean "。" survives.
    assert fix_mojibake("鏂囩珷鎽樿。好的") == "文章摘要。好的"
    # A "?" not standing for lost bytes of a hole stays a question mark.
    assert fix_mojibake("鍙戝竷?") == "发布?"


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


SINGLE_BYTE = ["ptcp154", "cp1251", "koi8-r", "cp1250", "mac-roman", "cp437", "cp850", "cp866"]


# Sentences one of whose bytes the code page leaves undefined are lossy cases, left out.
SINGLE_BYTE_LOSSLESS = [
    (clean, codec)
    for clean in SENTENCES
    for codec in SINGLE_BYTE
    if len(clean.encode("utf-8").decode(codec, errors="ignore")) == len(clean.encode("utf-8"))
]


@pytest.mark.parametrize(("clean", "codec"), SINGLE_BYTE_LOSSLESS)
def test_synthetic_single_byte(clean: str, codec: str) -> None:
    """UTF-8 read in single-byte code pages other than cp1252/latin-1."""
    garbled = clean.encode("utf-8").decode(codec)
    assert fix_mojibake("前文" + garbled + "后文") == "前文" + clean + "后文"
    assert fix_mojibake(garbled) == clean


@pytest.mark.parametrize("codec", ["cp437", "cp850"])
@pytest.mark.parametrize("clean", ["中文.txt", "中华人民共和国.doc", "今天天气很好.zip"])
def test_gbk_zip_names_read_as_dos(clean: str, codec: str) -> None:
    garbled = clean.encode("gbk").decode(codec)
    assert fix_mojibake(garbled) == clean
    assert fix_mojibake("文件 " + garbled + " 已解压") == "文件 " + clean + " 已解压"


@pytest.mark.parametrize(
    "clean",
    [
        "Привет, как дела? Это тест.",
        "Съешь же ещё этих мягких французских булок, да выпей чаю.",
        "Щучье чешуйчатое шоссе, шифр «Чайхана» и щи.",
        "ШКОЛА №5 ФИЗИКИ, Ёжик и ёлочка",
        "Ми обговорили дії уряду щодо з’їзду; її думка.",
        "Қазақстан Республикасының астанасы — Астана, ол әдемі қала.",
        "Біз қазақша сөйлейміз, үй, құс, ғылым, өнер, һәм.",
        "Η Ελλάδα είναι μια χώρα στη νότια Ευρώπη.",
        "Στο σχολείο, τα παιδιά μαθαίνουν επτά γλώσσες: σπίτι, φίλοι.",
        "他说：“Привет, как дела?”然后离开了。",
        "哈萨克语“Қазақстан”和希腊语“Ευχαριστώ”都出现在中文里。",
        "乌克兰语的дії与中文混排，俄语шоссе也是。",
        "Český Krumlov, Łódź, Ślęża; Ärger über Öl; Ça va? Très bien, señor.",
        "╔══════╗ ────────── │表格│ ┌──┬──┐",
    ],
)
def test_real_foreign_text_untouched(clean: str) -> None:
    assert find_mojibake(clean) == []


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
