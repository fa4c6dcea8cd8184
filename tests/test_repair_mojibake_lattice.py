"""The lattice: a double-byte reader's text re-read in the writer's codec, each lost
byte a set of candidates, the character model the judge (zhnorm.repair.mojibake.lattice)."""

import codecs
import json
import random
import re

import zhnorm
from zhnorm.repair.fix import fix_and_explain, fix_text
from zhnorm.repair.mojibake import find_mojibake
from zhnorm.repair.mojibake.lattice import DBCS_COMBOS, four_byte_marks, reread
from zhnorm.repair.types import apply_edits

from .conftest import SHARED_DATA as DATA

LOST = "\ufffd"


def _honest(got: str, clean: str) -> bool:
    """Every character of ``got`` is the clean one, or U+FFFD for one clean character."""
    return len(got) == len(clean) and all(g in (c, LOST) for g, c in zip(got, clean, strict=True))


def test_utf8_read_as_gbk_with_marks() -> None:
    clean = "用户名和密码都是正确的，请重新登录。"
    garbled = clean.encode("utf-8").decode("gbk", errors="replace")
    assert LOST in garbled
    text = "前文：" + garbled + "后文"
    edits = find_mojibake(text)
    got = apply_edits(text, edits)
    assert got.startswith("前文：") and got.endswith("后文")
    assert _honest(got[3:-2], clean)
    assert got[3:-3] == clean[:-1]  # only the sentence end lost two of its bytes
    (edit,) = edits
    assert edit.lossy and edit.detail["encoded_as"] == "utf-8"
    assert edit.detail["decoded_as"] in ("gbk", "gb18030")
    assert edit.detail["unrecovered"] == 1


def test_utf8_lost_byte_restored_when_sure_idempotent() -> None:
    clean = "中国人民银行今天宣布下调存款准备金率"
    garbled = clean.encode("utf-8").decode("gb18030", errors="replace")
    fixed = fix_text(garbled)
    assert _honest(fixed, clean)
    assert fix_text(fixed) == fixed


def test_gb18030_four_byte_read_as_gbk() -> None:
    text = "苦苦战斗的休斯顿火箭\ufffd0\ufffd3队遗憾地输了"
    (edit,) = four_byte_marks(text)
    assert edit.original == "\ufffd0\ufffd3" and edit.replacement == LOST and edit.lossy
    assert fix_text(text) == "苦苦战斗的休斯顿火箭\ufffd队遗憾地输了"
    # Digits going on, or one mark and digit alone, are not the four bytes.
    assert four_byte_marks("编号\ufffd1\ufffd234") == []
    assert four_byte_marks("数据\ufffd1丢失") == []
    # A date whose units lost their bytes (年 and 月 left U+FFFD) is no such character.
    assert four_byte_marks("1943\ufffd9\ufffd3日發布") == []
    assert four_byte_marks("今\ufffd9\ufffd3日") == []
    assert fix_text("在1943\ufffd9\ufffd3日") == "在1943\ufffd9\ufffd3日"


def test_a_run_of_four_byte_characters_read_as_gbk() -> None:
    # No-break spaces between paragraphs of web text, written as GB18030 (four bytes
    # each: not in GBK) and read as GBK: each shape stands beside a digit of the next,
    # which is no date; the run's own ends decide.
    clean = "正式上市\xa0\xa0\xa0\xa0作者：潘昊\xa0\xa0作为一款经典的产品"
    garbled = clean.encode("gb18030").decode("gbk", errors="replace")
    fixed = zhnorm.fix_text(garbled)
    assert fixed == clean.replace("\xa0", LOST)
    assert zhnorm.fix_text(fixed) == fixed
    # A run ending in a date unit is still a date read with losses.
    text = "在\ufffd0\ufffd1\ufffd0\ufffd1日"
    assert four_byte_marks(text) == [] and zhnorm.fix_text(text) == text


def test_utf8_sentence_read_as_big5_with_lost_bytes_inside_text() -> None:
    # A Big5 reader fails on bytes 80-A0, a continuation byte of most Chinese
    # characters in UTF-8: few characters come back whole, so the reading holds
    # fewer than two hanzi; the bytes (pairs that start UTF-8 characters, chained
    # through the lost marks) are the evidence.  The clean text around stays.
    before, after = "坦克、飛行器，和船艦。", "這些車輛包括記者、官員們的"
    for sentence in ("民用車輛也可以附上裝甲。", "不久，又推行中心縣制。"):
        garbled = sentence.encode("utf-8").decode("big5", errors="replace")
        fixed = zhnorm.fix_text(before + garbled + after)
        assert fixed.startswith(before) and fixed.endswith(after)
        assert _honest(fixed[len(before) : len(fixed) - len(after)], sentence)
        assert zhnorm.fix_text(fixed) == fixed


def test_big5_read_as_gbk_with_a_word_after_a_lost_character() -> None:
    # 在 is A6 62: a GBK reader loses A6 and shows ``b``; the Latin word after the
    # lost character is the text's own (a trail byte read as a letter stands alone).
    before, after = "特別是在省級公園和國家公園。", "此外。這裡還有"
    sentence = "在Narcisse附近有大量的紅邊襪帶蛇。"
    garbled = sentence.encode("big5").decode("gbk", errors="replace")
    assert garbled.startswith("\ufffdbNarcisse")
    fixed = zhnorm.fix_text(before + garbled + after)
    assert fixed.startswith(before) and fixed.endswith(after)
    assert _honest(fixed[len(before) : len(fixed) - len(after)], sentence)
    assert "Narcisse" in fixed and zhnorm.fix_text(fixed) == fixed


def test_clean_text_with_marks_untouched() -> None:
    for text in [
        "数据\ufffd丢失了，请联系管理员。",
        "价格为\ufffd100元",
        "他说：\ufffd\ufffd好的。",
    ]:
        assert find_mojibake(text) == []


def test_explained() -> None:
    garbled = "这次活动很成功，参加的人数超过了预期。".encode().decode("gbk", "replace")
    result = fix_and_explain(garbled)
    edits = [e for step in result.steps for e in step.edits]
    assert edits and all(e.reason == "codec mojibake" for e in edits)
    assert all("lossy_note" in e.detail for e in edits if e.lossy)


def test_reread_big5_as_gbk_lost_marks() -> None:
    """The GBK<->Big5 side of the lattice (not used by the driver yet) restores a
    Big5 sentence read as GBK and puts in no wrong character."""
    assert ("big5hkscs", "gbk") in DBCS_COMBOS
    clean = "我們今天去台北看電影，非常好看。"
    garbled = clean.encode("big5").decode("gbk", errors="replace")
    got = reread(garbled, "big5hkscs", "gbk")
    assert got is not None
    (stretch,) = got[1]
    assert (stretch.start, stretch.end) == (0, len(garbled))
    assert _honest(stretch.text, clean)
    assert stretch.guessed == 0 and stretch.unrecovered >= 1  # a lost pair is not guessed
    assert reread("簡體字", "big5hkscs", "big5") is None  # the reader cannot show it


def _sentences(k: int, seed: int) -> list[str]:
    path = DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    found = [s for t in texts for s in re.split(r"(?<=[。！？])", t) if 10 <= len(s) <= 60]
    return random.Random(seed).sample(found, k)


def test_utf8_lossy_sentences_no_wrong_character() -> None:
    """UTF-8 sentences read as GBK with marks, inside clean text: all restored but for
    lost characters left U+FFFD, no wrong character put in, the clean neighbours
    untouched."""
    n = chars = lost = 0
    for clean in _sentences(60, 11):
        garbled = clean.encode("utf-8").decode("gbk", errors="replace")
        if LOST not in garbled:
            continue
        n += 1
        text = "比赛当天。" + garbled + "据英国媒体报道。"
        got = fix_text(text)
        assert got.startswith("比赛当天。") and got.endswith("据英国媒体报道。")
        inner = got[5:-8]
        assert _honest(inner, clean), (clean, inner)
        chars += len(clean)
        lost += inner.count(LOST)
    # Every sentence is restored but for the characters that lost bytes (the reader
    # lost a byte of about one character in ten), some of which the model restores.
    assert n >= 30 and lost <= 0.1 * chars, (lost, chars)


def _lost_chars(clean: str, writer: str, reader: str) -> list[bool]:
    """Per character of ``clean``: whether the lossy reader lost one of its bytes."""
    data = clean.encode(writer)
    lost: list[tuple[int, int]] = []

    def record(exc: UnicodeError) -> tuple[str, int]:
        assert isinstance(exc, UnicodeDecodeError)
        lost.append((exc.start, exc.end))
        return LOST, exc.end

    codecs.register_error("test-lattice-record", record)
    data.decode(reader, errors="test-lattice-record")
    out, pos = [], 0
    for ch in clean:
        n = len(ch.encode(writer))
        out.append(any(a < pos + n and pos < b for a, b in lost))
        pos += n
    return out


def _fits(got: str, clean: str, lost: list[bool]) -> bool:
    """``got`` is ``clean`` with each character that lost a byte either restored or one
    to four U+FFFD: a run of lost characters keeps its count."""
    pattern = "".join(
        f"(?:{re.escape(c)}|\ufffd{{1,4}})" if hit else re.escape(c)
        for c, hit in zip(clean, lost, strict=True)
    )
    return re.fullmatch(pattern, got) is not None


def test_utf8_read_as_big5_keeps_the_count_of_lost_characters() -> None:
    # A Big5 reader loses most bytes of UTF-8 (every byte 80-A0): where a run of them is
    # lost, the characters it held are three-byte ones, each one U+FFFD (the fewest
    # characters, four-byte ones, was the old reading), and a digit between lost
    # characters stays (it is no GB18030 four-byte character).
    clean = "开学前2至3天到学校就可以报到了，大家都觉得这个安排很合理。"
    garbled = clean.encode("utf-8").decode("big5", errors="replace")
    lost = _lost_chars(clean, "utf-8", "big5")
    text = "通知：" + garbled + "\n"
    got = fix_text(text)
    assert got.startswith("通知：") and got.endswith("\n")
    assert _fits(got[3:-1], clean, lost), got
    assert fix_text(got) == got
    edits = [e for step in fix_and_explain(text).steps for e in step.edits]
    assert edits and all(e.reason == "codec mojibake" for e in edits)
    assert any(e.lossy and e.detail["decoded_as"] == "big5" for e in edits)


def test_lost_character_between_lost_ones_not_guessed() -> None:
    # Neighbours that lost bytes too are no context: the model would guess by frequency.
    clean = "主持人：会不会因为中国人的消费"
    garbled = clean.encode("utf-8").decode("big5", errors="replace")
    got = fix_text(garbled)
    assert _fits(got, clean, _lost_chars(clean, "utf-8", "big5")), got


def test_four_byte_shape_among_lost_marks_is_no_character() -> None:
    assert four_byte_marks("学\ufffd2\ufffd3天\ufffd学") == []
    assert fix_text("学\ufffd2\ufffd3天\ufffd学") == "学\ufffd2\ufffd3天\ufffd学"
    # Alone in clean text it still is one.
    (edit,) = four_byte_marks("他姓\ufffd5\ufffd4，来自北京")
    assert edit.replacement == LOST


def test_short_gbk_as_big5_stretch_judged_by_the_model() -> None:
    from zhnorm.repair.mojibake.gbk_read_as_big5 import _shift_acceptable

    # A short GBK phrase read as Big5 re-reads as far likelier text ...
    assert _shift_acceptable("笢恅", "中文")
    # ... rare Traditional words re-read as GBK do not (``嘌呤`` -> ``酙孙``), nor
    # does a reduplication (a name's ``婧婧``).
    assert not _shift_acceptable("嘌呤", "嘌呤".encode("big5").decode("gbk"))
    assert not _shift_acceptable("醍醐", "醍醐".encode("big5").decode("gbk"))
    assert not _shift_acceptable("婧婧", "婧婧".encode("big5").decode("gbk", "replace"))
    assert fix_text("ABC 歎跡奻梀 123") == "ABC 价格上涨 123"
    assert fix_text("核酸中的嘌呤與醍醐灌頂") == "核酸中的嘌呤與醍醐灌頂"


def test_windows_reader_line_read_whole_in_step() -> None:
    # Big5 read by Windows' cp936 (user-defined pairs as private use, as GB18030 shows
    # them): no byte lost, so a long line is read in step at once, a rare name (鄄)
    # included, with no character left garbled where a window would have been cut.
    clean = (
        "戰役包括定陶戰役、鄄城戰役、滑縣戰役、巨金魚戰役，"
        "國民黨軍隊損失慘重，共產黨軍隊乘勝追擊，在魯西南地區取得了重大的勝利。"
    )
    garbled = clean.encode("big5").decode("gb18030")
    assert any("\ue000" <= c <= "\uf8ff" for c in garbled)
    assert fix_text(garbled) == clean
    assert fix_text(clean) == clean
    edits = [e for step in fix_and_explain(garbled).steps for e in step.edits]
    assert edits and all(e.detail.get("in_step") for e in edits)


def test_tone_letters_of_readings_are_no_evidence() -> None:
    """A tone letter beside ASCII letters is a letter of a word (a leaked reading), not a
    character a double-byte reader made of bytes; alone it still counts."""
    from zhnorm.repair.mojibake.lattice import _evidence_at

    text = "網(wǎng)站 ǎ 鍚"
    assert not _evidence_at(text, text.index("ǎ"))
    assert _evidence_at(text, text.rindex("ǎ"))  # (no letter beside it)
    assert not _evidence_at("Müller", 1)


def test_segment_around_a_lost_mark_stays_near_its_evidence() -> None:
    """A Traditional page with a leaked reading every few characters and one lost mark:
    the segment the lattice re-reads stays around the mark (it used to grow over the whole
    page, a quarter of a second a page), and a rare pair far from the mark is read
    without it.  The repair is that of the readings alone."""
    from zhnorm.repair.mojibake.lattice import _CHAIN_GAP, _EDGE, _segment
    from zhnorm.repair.mojibake.prefilter import rare_spans

    sentence = "中央財(cái)政首次設立農村環(huán)保專項資(zī)金，安排五億(yì)元支持農(nóng)村。"
    page = sentence * 20 + "表現(xiàn)，" + LOST + "爲(wèi)充滿(mǎn)艱(jiān)辛" + sentence * 20
    ((h0, h1),) = [s for s in rare_spans(page) if LOST in page[s[0] : s[1]]]
    lo, hi = _segment(page, h0, h1, "gbk", 0, len(page))
    assert lo <= h0 and h1 <= hi and hi - lo <= 2 * (_CHAIN_GAP + _EDGE) + (h1 - h0)
    far = "徐若" + LOST + "入围" + "百花影后抵达现场，" * 12 + "━━" + "新浪娱乐讯"
    a = far.index("━━")
    lo, hi = _segment(far, a, a + 2, "gbk", 0, len(far))
    assert LOST not in far[lo:hi] and lo <= a and a + 2 <= hi
    fixed = fix_text(page)
    assert fixed == fix_text(page.replace(LOST, "X")).replace("X", LOST)
    assert "(" not in fixed and LOST in fixed


def test_big5_read_as_gbk_gain_asked_per_character_shown() -> None:
    # A GBK reader of Big5 loses the lead byte of most common characters (A4-A7 with
    # an ASCII trail: ``�A`` = ，): the sentence shows nearly as many lost marks as
    # characters, and the gain asked for is per character the reader showed.
    clean = "腦下腺前葉及腦中亦有ANP，但其作用仍不明。"
    garbled = clean.encode("big5").decode("gbk", errors="replace")
    assert garbled.startswith("福\ufffdU涪玡腑の福いョΤANP\ufffdA\ufffd\ufffdㄤ")
    got = fix_text("反應，因而降低血壓。" + garbled)
    assert got.startswith("反應，因而降低血壓。")
    assert "腺前葉及腦中亦有ANP" in got and "用仍不" in got and "涪" not in got
    assert fix_text(got) == got


def test_four_byte_shape_before_an_hour_unit_is_a_character() -> None:
    # 𡈼 in ``3G𡈼时代``, a no-break space before 点击: an hour unit after the shape
    # with no digit before it is no date (the hour's number follows a day's unit).
    for clean in ("当3G𡈼时代正式走入正轨", "提供选购。\xa0\xa0点击下一页"):
        garbled = clean.encode("gb18030").decode("gbk", errors="replace")
        assert re.search("\ufffd[0-9]\ufffd[0-9][时点]", garbled)
        got = fix_text(garbled)
        assert got == re.sub("[𡈼\xa0]", LOST, clean)
        assert fix_text(got) == got
    # A date's shape still has its digit before it, or a day unit after it.
    assert four_byte_marks("在5\ufffd9\ufffd3时") == []
    assert four_byte_marks("今\ufffd9\ufffd3日") == []


def test_gbk_read_as_big5_whole_text_keeps_its_first_and_last_characters() -> None:
    # A Big5 reader read the whole text; its first and last characters read as common
    # hanzi (单 shows as 等, 超 as 閉) and have no clean neighbour outside the garble.
    for clean, edge in (
        ("单伟豹说，国企不是民企的对手，地王会死得很惨。主持人问他怎么看。", "单伟豹"),
        ("家居卖场推出促销活动，每人满五百送五十，单一订单(同一地址)超", "地址)超"),
    ):
        garbled = clean.encode("gbk").decode("big5", errors="replace")
        assert LOST in garbled
        got = fix_text(garbled)
        assert edge in got, got
        assert _honest(got, clean), got


def test_gbk_read_as_big5_keeps_a_letter_the_reader_showed_alone() -> None:
    # ``A股``: the Big5 reader showed the letter alone between two wide characters; the
    # stretch around it is the text's, not one read out of step (main left 如虹 lost,
    # 春 garbled and 却是 misread: the whole stretch was turned down, the windows' search
    # read it instead).
    for clean in (
        "春节后股市涨势如虹，机构也一改悲观预期，基金看多同时主动大幅加仓。但A股却是牛气冲天。",
    ):
        garbled = clean.encode("gbk").decode("big5", errors="replace")
        assert LOST in garbled
        got = fix_text(garbled)
        assert _honest(got, clean), got
        assert fix_text(got) == got


def test_clean_head_before_a_latin_word_stays_at_a_line_edge() -> None:
    # A clean head at the text's start, then a Latin word, then a garbled title: the
    # path reads the head too (nothing to switch from at the edge), but nothing ties it
    # to the garble, so it is trimmed back as any clean end is (main kept ``η旱vs``).
    head, title = (
        "灰熊vs",
        "马刺前瞻II：传统昭示翻盘可能 马努复出在即新浪体育讯北京时间4月20日消息，",
    )
    garbled = head + title.encode("gbk").decode("big5", errors="replace")
    assert LOST in garbled
    got = fix_text(garbled)
    assert got.startswith(head + "马刺前瞻"), got
    assert _honest(got, head + title), got


def test_stretch_end_judged_beside_the_text_outside_the_segment() -> None:
    # A segment that starts where the garble starts (after clean ``时``): its first
    # character ``緊`` (候) is judged between the text's ``时`` and the next, not after
    # nothing, where it reads as likely kept and was trimmed back (seed 3).
    clean = (
        "时候就没有必要背着硕大的摄影包，带着N个镜头啦，享受自己的假日，用手中的相机记录每一个画面"
    )
    segment = clean[1:].encode("gbk").decode("big5", errors="replace")
    assert segment.startswith("緊") and LOST in segment
    got = reread(segment, "gbk", "big5", outside=(clean[0], ""))
    assert got is not None
    first = got[1][0]
    assert first.start == 0 and first.text.startswith("候就没有")
