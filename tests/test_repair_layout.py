from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from pathlib import Path

from zhnorm.repair.layout import LayoutNote, find_layout, layout_notes
from zhnorm.repair.types import apply_edits

from .conftest import SHARED_DATA as DATA

SEED_000 = Path(__file__).resolve().parents[1] / "seeds" / "000_4282e08e67390612.txt"

SEED_000_JOINS = [
    ("通州要争当全市高", "质量发展排头兵,"),
    ("优质的资源。产业", "研究要有穿透度,"),
    ("书记、区长王少勇", "点评布置了项目建"),
    ("循环。各相关部门", "要在企业服务、需"),
    ("足马力,全力以赴", "争工期、冲进度、"),
    ("紧迫感和昂扬奋进", "的精气神,心无旁"),
]

P = "前一段是正常的正文，以句号结束。\n\n"


def joined(text: str) -> str:
    return apply_edits(text, find_layout(text))


def test_seed_000_exact_six_joins() -> None:
    text = SEED_000.read_text(encoding="utf-8")
    edits = find_layout(text)
    assert [(e.detail["before"], e.detail["after"]) for e in edits] == SEED_000_JOINS
    assert all(e.original == "\n\n" and e.replacement == "" for e in edits)
    out = apply_edits(text, edits)
    assert "通州要争当全市高质量发展排头兵,关键靠项目。" in out
    assert "全力以赴争工期、冲进度、促投产" in out
    assert "昂扬奋进的精气神" in out
    # Headings, subtitle, byline, caption and credit keep their paragraph breaks.
    for kept in (
        "## 全区项目建设动员大会召开\n\n# 按下项目攻坚",
        "16个新开工项目计划总投资83.2亿元\n\n本报讯",
        "本报评论员\n\n一年春作首",
        "现场。\n\n徐浩翔 摄\n\n益。",
        "提升年」动员暨2022年度总结表彰大会上强调:\n\n行政执法",
    ):
        assert kept in out
    assert find_layout(out) == []  # idempotent


def test_seed_000_notes() -> None:
    text = SEED_000.read_text(encoding="utf-8")
    notes = layout_notes(text)
    assert [(n.kind, n.text) for n in notes] == [("fragment", "益。"), ("furniture", "详见A2版")]
    for note in notes:
        assert text[note.start : note.end] == note.text
        assert LayoutNote.from_dict(note.to_dict()) == note


def test_break_needs_exactly_one_blank_line() -> None:
    assert (
        joined(P + "他说，我们要争当全\n\n市第一，关键靠项目。")
        == P + "他说，我们要争当全市第一，关键靠项目。"
    )
    assert (
        joined(P + "他说，我们要争当全 \n \n市第一，关键靠项目。")
        == P + "他说，我们要争当全市第一，关键靠项目。"
    )
    for text in (
        "他说，我们要争当全\n\n\n市第一，关键靠项目。",  # section break
        "他说，我们要争当全\n市第一，关键靠项目。",  # single newline: not this fixer
        "他说，我们要争当全\n\n　　市第一，关键靠项目。",  # indented: new paragraph
    ):
        assert find_layout(P + text) == []


def test_short_first_line_is_a_title() -> None:
    assert find_layout("他说，我们要争当全\n\n市第一，关键靠项目。") == []


def test_real_paragraph_ends_and_titles_are_left_alone() -> None:
    for text in (
        "第一段结束了。\n\n第二段开始，内容很长很长。",
        "他说：“好的”\n\n第二段开始，内容很长很长。",
        "# 标题，副标题\n\n正文开始，内容很长很长。",
        "一年春作首，万事竞争先\n\n开局关乎全局，起势决定胜势。",  # balanced two-part title
        "16个新开工项目，计划总投资83.2亿元\n\n全区上下深入开展活动，持续强作风。",  # subtitle
        "一、加强领导，落实责任\n\n二、突出重点，狠抓落实。",  # list items
        "主要包括：甲乙丙丁戊己\n\n科学方法指的是检查自然现象，获取新知识。",  # colon list
        "细菌的基因可以转移到另一个细菌体内\n\n若不考虑介于两者之间的形态，差异在于方式。",
        "前文很长，内容很长很长，这里是作者的名字\n\n本报讯 2月11日，我区举行仪式。",
        "徐浩翔 摄\n\n益。区委副书记代表区委区政府对项目开工表示祝贺。",
        "详见A2版\n\n评论",
    ):
        assert find_layout(text) == [], text


def test_clause_mark_at_break() -> None:
    text = P + "会议强调，要转变作风、\n\n狠抓落实，凝心聚力。"
    assert joined(text) == P + "会议强调，要转变作风、狠抓落实，凝心聚力。"


def _drcd_articles() -> dict[str, list[str]]:
    articles: dict[str, list[str]] = defaultdict(list)
    with (DATA / "drcd-zh-tw" / "drcd_paragraphs.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            articles[record["article_id"]].append(record["text"])
    return articles


def test_clean_drcd_articles_reassembled_make_no_joins() -> None:
    """DRCD articles as multi-paragraph documents: 2000 real paragraph breaks, some after
    paragraphs that end without punctuation; none may be joined."""
    for article, paragraphs in _drcd_articles().items():
        text = f"# {article}\n\n" + "\n\n".join(paragraphs)
        assert find_layout(text) == [], article


def _thucnews() -> list[str]:
    path = DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def test_clean_thucnews_split_at_sentence_ends_make_no_joins() -> None:
    rng = random.Random(1)
    for text in _thucnews():
        sentences = re.findall(r"[^。！？]*[。！？]+[”」]?|[^。！？]+$", text)
        paragraphs, current = [], ""
        for sentence in sentences:
            current += sentence
            if rng.random() < 0.3:
                paragraphs.append(current)
                current = ""
        paragraphs.append(current)
        assert find_layout("\n\n".join(p for p in paragraphs if p)) == []


def test_recall_on_mid_sentence_breaks() -> None:
    """Break clean THUCNews prose between two Han characters mid-sentence: most
    breaks are found again and every join restores the original exactly."""
    rng = random.Random(2)
    han = re.compile(r"[\u4e00-\u9fff]")
    tried = found = 0
    for text in _thucnews()[:300]:
        paragraph_end = text.find("。", 60)
        if paragraph_end < 0:
            continue
        candidates = [
            i
            for i in range(paragraph_end + 20, len(text) - 40)
            if han.match(text[i - 1]) and han.match(text[i]) and "\n" not in text[i - 30 : i + 30]
        ]
        if not candidates:
            continue
        cut = rng.choice(candidates)
        broken = text[:cut] + "\n\n" + text[cut:]
        tried += 1
        out = joined(broken)
        assert out in (text, broken)
        found += out == text
    assert tried > 200
    assert found / tried > 0.9
