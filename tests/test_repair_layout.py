from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from zhnorm.repair.layout import LayoutNote, find_layout, layout_notes, scan_layout
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


# Caption and credit lines, both scripts: what the layout of a picture leaves between
# paragraphs.  Each is tried as A (before a sentence) and as B (after a cut sentence).
CAPTIONS_AND_CREDITS = (
    "新华社记者 张三、李四 摄",
    "本报记者 王小明，实习生 李四 摄",
    "通讯员 王五、赵六 供图",
    "图片来源：视觉中国，图文无关",
    "图为项目集中开工仪式现场，徐浩翔 摄",
    "图为开工仪式现场，左起为张建华、王少勇",
    "記者王小明、李大華／攝影",
    "記者王小明、李大華／台北報導",
    "資料照，記者王小明攝",
    "本報資料照，圖文無關",
    "中央社記者王飛華攝，106年11月26日",
    "圖文／記者王小明、李大華",
    "圖為台北市長柯文哲出席活動，與民眾互動",
    "▲警方到場處理，現場圍起封鎖線",
    "柯文哲（中）與松山區民眾合影，民眾熱情",
    "照片來源：記者王小明，資料照片",
    "攝影：王小明，李大華",
    "（记者 王某 摄）",
    "新华社发",
    "新华社发 王某 摄",
    "作者：王小明",
    "本文来源：新华网",
    "文章来源：人民日报，作者：李四",
    "撰文／王小明，摄影／李大華",
    "稿源：中新网",
    "出處：聯合報",
    "責任編輯：王小明",
    "照片提供／王小明",
    "影片來源：民眾提供",
    # One sentence closed by a photo credit: a caption, though it has a full stop.
    "这是11月26日在北京拍摄的雪景。新华社记者 王某 摄",
    "游客在颐和园游览，欣赏雪景。（记者 王某 摄）",
    "遊客在陽明山賞花，欣賞美景。圖／王小明",
    "柯文哲出席活動，與民眾互動熱絡。照片提供／王小明",
)
CUT = "他说，我们今天要在这里举行一个重要的开工仪式，这是"


def test_caption_and_credit_lines_are_never_joined() -> None:
    for line in CAPTIONS_AND_CREDITS:
        assert find_layout(P + line + "\n\n台北市長柯文哲26日出席活動，與民眾互動。") == [], line
        assert find_layout(P + line + "\n\n图为康源电路开工仪式现场。") == [], line
        assert find_layout(P + CUT + "\n\n" + line) == [], line


def test_a_line_closed_by_a_credit_is_not_continued() -> None:
    for text in (
        "图为开工仪式现场，群众热情高涨。 新华社记者 张三 摄\n\n"
        "今年，我区共有十六个项目，总投资较去年增长两成。",
        "镌刻在岁月的纪念碑上，传为佳话…… 新华社发\n\n一段墨香四溢的忘年之谊，因此穿越时空隧道。",
        "台北市長柯文哲出席活動，與民眾互動熱絡，攝影：王小明\n\n"
        "市府今年將持續推動社會住宅，讓更多年輕人安心成家。",
    ):
        assert find_layout(P + text) == [], text


def test_a_paragraph_closed_by_a_byline_still_continues_a_cut_sentence() -> None:
    """A byline is not a photo credit: the paragraph it closes is prose."""
    for b in (
        "我区今年第一个重大项目正式开工建设。（记者：李四）",
        "我区今年第一个重大项目正式开工建设。记者 李四 报道",
    ):
        assert joined(P + CUT + "\n\n" + b) == P + CUT + b, b


def test_prose_that_mentions_reporters_and_pictures_is_still_joined() -> None:
    """Role words in running prose are not credits: the cut sentences are joined."""
    for a, b in (
        ("据记者了解，该项目预计将于", "下月正式投产，年产值可达五十亿元。"),
        ("赛后，他还不停地和记者们开", "玩笑，气氛十分轻松，完全看不出伤病的影响。"),
        ("昨日上午，本报记者接到", "武昌某大学学生的投诉，称有人在学校附近张贴广告。"),
        ("格会否对整体楼市造成影响，曾荫", "权强调，政府将对此密切监察，必要时出手干预。"),
        ("攝影師說，這組照片是他在山上拍", "了整整三天才完成的作品，十分珍貴。"),
    ):
        assert joined(P + a + "\n\n" + b) == P + a + b, a


def test_a_sentence_opener_after_a_line_without_a_clause_mark() -> None:
    for b in ("他表示，這次活動吸引很多民眾參加。", "昨（26）日，市府宣布擴大補助長者搭乘公車。"):
        assert find_layout(P + "會議現場，民眾熱烈參與\n\n" + b) == [], b
    # After a clause mark the same words go on with the sentence.
    text = P + "會議現場，民眾熱烈參與，\n\n他表示，這次活動吸引很多民眾參加。"
    assert joined(text) == P + "會議現場，民眾熱烈參與，他表示，這次活動吸引很多民眾參加。"


def test_clean_sentences_with_captions_and_credits_between_them_make_no_joins() -> None:
    """Real THUCNews and DRCD sentences as paragraphs, with a caption and a credit line
    (generated from the sentence and a credit form) after some of them: no join."""
    rng = random.Random(7)
    names = ["王小明", "李大華", "张建华", "陈艳梅", "林志明", "黃怡君"]
    credits = (
        "新华社记者 {0} 摄", "記者{0}／攝影", "本报记者 {0}、{1} 摄", "通讯员 {0}、{1} 供图",
        "資料照，記者{0}攝", "中央社記者{0}攝，106年11月26日", "圖文／記者{0}、{1}",
        "記者{0}／台北報導", "{0} 摄", "（中央社記者{0}攝）", "攝影：{0}，{1}",
    )  # fmt: skip
    docs = _thucnews()[:400] + [" ".join(p) for p in list(_drcd_articles().values())[:200]]
    for text in docs:
        lines = []
        for sentence in re.findall(r"[^。！？]*[。！？]+[”」]?", text):
            lines.append(sentence.strip())
            if rng.random() < 0.3:
                body = sentence.strip().rstrip("。！？")[:36]
                credit = rng.choice(credits).format(*rng.sample(names, 2))
                lines.append(
                    rng.choice([f"图为{body}", f"圖為{body}", f"▲{body}", f"{body}，{credit}"])
                )
                lines.append(credit)
        document = "\n\n".join(line for line in lines if line)
        assert find_layout(document) == [], document[:80]


def test_a_quotation_after_a_colon_runs_on() -> None:
    """A colon followed by a quotation opens a running sentence, not a list: a break
    inside the quotation is joined (the colon rule would keep it)."""
    a, b = "水利處官員受訪時說：「就是因為他是局", "部修繕，所以他沒辦法達到標準。」"
    assert joined(P + a + "\n\n" + b) == P + a + b
    a, b = "他说：“如果不是工作人员的帮", "忙，我们根本上不来。”"
    assert joined(P + a + "\n\n" + b) == P + a + b


def test_the_model_joins_a_word_cut_after_a_colon_or_before_an_opener() -> None:
    """A break that cuts a word (the model reads the two characters as a word far more
    often than across a sentence end) is joined even where the colon or the sentence
    opener would keep the paragraphs; the edit carries the model's score."""
    a, b = "他說，影評人張小北認為：這實", "際上反映出這個藝術家的困境，值得深思。"
    edits = find_layout(P + a + "\n\n" + b)
    assert apply_edits(P + a + "\n\n" + b, edits) == P + a + b
    assert edits[0].detail["junction_logodds"] >= 8
    a, b = "警方表示，目前仍在調查這起事故的原", "因為何，並呼籲目擊民眾提供線索。"
    assert joined(P + a + "\n\n" + b) == P + a + b
    # Between two words the opener still marks a new sentence ...
    assert find_layout(P + "會議現場，民眾熱烈參與\n\n因為天氣很好，活動吸引很多民眾參加。") == []
    # ... and a field label's value stays a value, whatever the break cuts.
    assert find_layout(P + "联系电话：010-1234电\n\n影公司的负责人表示，将尽快处理。") == []
    listing = "主要包括：甲乙丙丁戊己\n\n科学方法指的是检查自然现象，获取新知识。"
    assert find_layout(P + listing) == []


_LAYOUT_PIECES = st.sampled_from(
    [
        "记者",
        "从市",
        "高",
        "质量",
        "发展",
        "。",
        "，",
        "：",
        "\n",
        "\n\n",
        "\n \n",
        " ",
        "图为",
        "摄",
        "（",
        "）",
        "A",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LAYOUT_PIECES, max_size=18).map("".join))
@example("记者从市发改委获悉。\n张建华指出，通州要争当全市高\n\n质量发展排头兵，关键靠项目。")
def test_scan_layout_vouches_only_for_text_it_leaves_nothing_in(text: str) -> None:
    """``scan_layout`` says "done" only when ``find_layout`` finds nothing in its output
    (the repair pipeline then does not run layout on it again)."""
    edits, done = scan_layout(text)
    assert edits == find_layout(text)
    if done:
        assert find_layout(apply_edits(text, edits)) == []
