"""Paragraphs after layout repair, with raw offsets; repeated paragraphs within a
document and across a corpus; boilerplate reported as such."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhnorm import (
    KeyConfig,
    Paragraph,
    RepeatGroup,
    paragraphs,
    paragraphs_batch,
    repeated_paragraphs,
)
from zhnorm.cli.app import main
from zhnorm.textreuse import RepeatOptions

from .conftest import SEEDS

SEED000 = next(SEEDS.glob("000_*.txt")).read_text("utf-8")
SEED001 = next(SEEDS.glob("001_*.txt")).read_text("utf-8")
REPEATED = "区委副书记、政法委书记徐林锋宣读2022年度表彰决定。"


def test_a_paragraph_broken_across_columns_is_one_paragraph() -> None:
    paras = paragraphs(SEED000)
    broken = next(p for p in paras if p.text.startswith("张建华指出,通州要争当全市高"))
    assert broken.text == SEED000[broken.start : broken.end]
    assert "\n\n" in broken.text  # the raw span covers the column break
    assert broken.repaired.startswith("张建华指出,通州要争当全市高质量发展排头兵,关键靠项目。")
    assert broken.key.startswith("张建华指出通州要争当全市高质量发展排头兵关键靠项目")
    for p in paras:
        assert SEED000[p.start : p.end] == p.text and p.text.strip() == p.text
    assert [p.index for p in paras] == list(range(len(paras)))


def test_furniture_and_fragments_are_noted() -> None:
    paras = paragraphs(SEED000)
    furniture = [p for p in paras if p.furniture]
    assert [p.text for p in furniture] == ["详见A2版"]
    fragment = next(p for p in paras if "fragment" in p.notes)
    assert fragment.text.startswith("益。区委副书记、区长王少勇")


def test_damaged_traditional_paragraphs_keep_raw_offsets() -> None:
    paras = paragraphs(SEED001)
    first = paras[0]
    assert first.text.startswith("現(xiàn)代快報訊") and first.key.startswith("现代快报讯")
    assert all(SEED001[p.start : p.end] == p.text for p in paras)
    assert len(paras) == len([line for line in SEED001.splitlines() if line.strip()])


def test_seed_000_repeated_paragraph_is_found() -> None:
    groups = repeated_paragraphs(SEED000)
    group = next(g for g in groups if g.text.startswith(REPEATED))
    assert (group.kind, group.count, group.documents, group.boilerplate) == ("exact", 2, 1, False)
    first, second = group.occurrences
    assert first.start < second.start
    for occurrence in group.occurrences:
        assert SEED000[occurrence.start : occurrence.end].startswith(REPEATED)
        assert occurrence.score == 1.0 and occurrence.doc == "0"


def test_near_duplicates_across_a_corpus() -> None:
    lead = "康源电路项目计划总投资50亿元，建成后预计年产封装基板86万平方米，应税销售50亿元。"
    edited = lead.replace("预计", "预期")
    docs = {
        "x": f"标题一\n\n{lead}\n\n结尾甲。",
        "y": f"標題二\n{edited}\n結尾乙。",
        "z": "毫不相干的段落内容，什么也不重复。",
    }
    [group] = repeated_paragraphs(docs)
    assert group.kind == "near" and group.count == 2 and group.documents == 2
    assert [o.doc for o in group.occurrences] == ["x", "y"]
    assert 0.9 <= group.occurrences[1].score < 1.0
    assert repeated_paragraphs(docs, threshold=1.0) == []


def test_boilerplate_lines_repeated_across_many_documents() -> None:
    docs = [
        f"第{i}篇报道的正文内容各不相同，编号{i}号。\n\n徐浩翔 摄\n\n详见A2版" for i in range(5)
    ]
    groups = repeated_paragraphs(docs)
    by_text = {g.text: g for g in groups}
    assert by_text["徐浩翔 摄"].boilerplate and by_text["徐浩翔 摄"].documents == 5
    furniture = by_text["详见A2版"]
    assert furniture.boilerplate and furniture.furniture
    assert all(not g.boilerplate for g in repeated_paragraphs(docs[:2]))


def test_repeat_options_as_an_object_and_as_keywords() -> None:
    docs = [f"第{i}篇正文各不相同，编号{i}号。\n\n徐浩翔 摄" for i in range(3)]
    expected = repeated_paragraphs(docs, threshold=1.0, boilerplate_docs=4)
    assert [g.boilerplate for g in expected] == [False]
    assert repeated_paragraphs(docs, RepeatOptions(threshold=1.0), boilerplate_docs=4) == expected
    with pytest.raises(ValueError, match="threshold"):
        repeated_paragraphs(docs, threshold=0.0)
    plain = KeyConfig(script=None)
    assert paragraphs("頭髮", key_options=plain) == paragraphs("頭髮", config=plain)
    assert paragraphs("頭髮", key_options=plain)[0].key == "頭髮"


@pytest.mark.parametrize(
    "docs",
    [[], [""], ["", "  \n\n "], ["!!!\n\n???", "!!!\n\n???"], ["abc\n\nabc"], [SEED000, SEED000]],
)
def test_bad_inputs_give_no_error(docs: list[str]) -> None:
    groups = repeated_paragraphs(docs)
    assert all(g.count >= 2 for g in groups)


def test_identical_documents_repeat_every_paragraph() -> None:
    groups = repeated_paragraphs([SEED000, SEED000])
    assert sum(g.count for g in groups) >= 2 * len({p.key for p in paragraphs(SEED000)}) - 2


def test_one_text_and_a_batch_and_pickling() -> None:
    single = paragraphs(SEED001)
    assert paragraphs_batch([SEED001, SEED000])[0] == single
    groups = repeated_paragraphs([SEED000, SEED001])
    restored = pickle.loads(pickle.dumps((single, groups)))
    assert restored == (single, groups)
    assert isinstance(restored[0][0], Paragraph) and isinstance(restored[1][0], RepeatGroup)
    assert groups[0].to_dict()["occurrences"][0]["id"] == "0"


def test_many_paragraphs_do_not_blow_up(simplified_corpus: list[str]) -> None:
    docs = simplified_corpus[:300]
    groups = repeated_paragraphs(docs)
    assert all(g.count >= 2 for g in groups)


def test_text_without_line_breaks_is_split_into_sentences() -> None:
    """Scraped news has no line breaks: a share line and a repeated sentence are found."""
    bodies = ["第一篇講颱風來襲的消息。", "第二篇說的是選舉結果。", "第三篇報導股市大漲。"]
    shared = "中央氣象局提醒民眾注意強風豪雨。"
    docs = [f"{body}{shared}圖／本報資料照片   分享       facebook" for body in bodies]
    groups = {g.key: g for g in repeated_paragraphs(docs)}
    assert groups["中央气象局提醒民众注意强风豪雨"].documents == 3
    assert groups["facebook"].boilerplate and groups["分享"].count == 3
    for g in groups.values():
        for o in g.occurrences:
            assert docs[int(o.doc)][o.start : o.end] == o.text


def test_a_lone_carriage_return_is_a_break() -> None:
    text = "甲乙丙丁戊己庚。\r另一段落的文字。\r甲乙丙丁戊己庚。"
    assert [p.text for p in paragraphs(text)] == [
        "甲乙丙丁戊己庚。",
        "另一段落的文字。",
        "甲乙丙丁戊己庚。",
    ]
    [group] = repeated_paragraphs(text)
    assert group.count == 2


def test_dropping_a_sentence_keeps_the_rest_of_its_line() -> None:
    from zhnorm.textreuse.paragraph_files import without_paragraphs

    text = "第一句。重複的句子。第三句。\n\n下一段。"
    paras = paragraphs(text)
    assert [p.text for p in paras] == [text.split("\n")[0], "下一段。"]
    unbroken = "第一句。重複的句子。 第三句。  分享"
    paras = paragraphs(unbroken)
    assert [p.text for p in paras] == ["第一句。", "重複的句子。", "第三句。", "分享"]
    assert without_paragraphs(unbroken, paras, {1}) == "第一句。第三句。  分享"
    assert without_paragraphs(unbroken, paras, {3}) == "第一句。重複的句子。 第三句。  "
    lines = "甲段。\n乙段。\n丙段。"
    assert without_paragraphs(lines, paragraphs(lines), {1}) == "甲段。\n丙段。"
    assert without_paragraphs(lines, paragraphs(lines), {2}) == "甲段。\n乙段。"


BODIES = [
    "颱風今晚逼近東部海面，氣象局發布陸上警報。",
    "立法院三讀通過勞基法修正案，明年上路。",
    "股市今天大漲兩百點，成交量放大到一千億。",
    "市府宣布捷運延伸線動工，預計五年完工。",
    "職棒總冠軍賽第七戰，主場球隊逆轉獲勝。",
    "衛福部提醒民眾流感疫苗開打，長者優先。",
    "北部空氣品質不良，環保署建議減少外出。",
    "電影節頒獎典禮落幕，新銳導演奪下大獎。",
    "地方選舉登記截止，共有三百人參選議員。",
    "科學園區擴建計畫通過環評，將增就業機會。",
    "國際油價連三漲，下週汽油恐再調漲五角。",
    "大學學測報名人數創新低，少子化衝擊明顯。",
]


def test_cli_furniture_per_source_and_dropped_on_request(tmp_path: Path) -> None:
    records: list[dict[str, object]] = []
    for i in range(12):
        site = "udn" if i % 2 else "cts"
        tail = "   分享       facebook" if site == "udn" else ""
        body = BODIES[i]
        records.append({"id": f"a{i}", "site": site, "text": body + tail})
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    report, clean = tmp_path / "report.jsonl", tmp_path / "clean.jsonl"
    args = ["paragraphs", str(corpus), "-o", str(report), "--source-field", "site"]
    result = CliRunner().invoke(main, [*args, "--drop-repeats", "-O", str(clean)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in report.read_text("utf-8").splitlines()]
    furniture = [line for line in lines if line["type"] == "furniture"]
    assert {(f["source"], f["text"]) for f in furniture} == {("udn", "分享"), ("udn", "facebook")}
    assert {o["id"] for o in furniture[0]["occurrences"]} == {f"a{i}" for i in range(1, 12, 2)}
    summary = {line["source"]: line for line in lines if line["type"] == "furniture-summary"}
    assert summary["udn"]["items"] == 2 and summary["cts"]["furniture"] == 0
    assert "facebook" in clean.read_text("utf-8")  # kept without --drop-furniture
    flags = ["--drop-repeats", "--drop-furniture", "-O", str(clean)]
    result = CliRunner().invoke(main, [*args, *flags])
    assert result.exit_code == 0, result.output
    cleaned = {r["id"]: r["text"] for r in map(json.loads, clean.read_text("utf-8").splitlines())}
    assert cleaned["a1"] == BODIES[1] + "   "
    assert cleaned["a0"] == records[0]["text"]
    result = CliRunner().invoke(main, [*args, "--drop-furniture"])
    assert result.exit_code != 0 and "--drop-furniture needs" in result.output
    # records without the source field, or with a number: one line each, nothing lost
    for record in records[:6]:
        record.pop("site")
    records[7]["site"] = 7
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "12 records in, 12 out, 0 rejected" in result.output
    lines = [json.loads(line) for line in report.read_text("utf-8").splitlines()]
    summary = {line["source"]: line for line in lines if line["type"] == "furniture-summary"}
    assert set(summary) == {None, "udn", "cts", "7"} and summary[None]["documents"] == 6
