"""The pair report of ``zhnorm align --html`` (the ``render_report`` wrapper), opened in
headless Chromium (Debian package ``chromium``): the highlighted spans in the rendered
DOM match the JSON passages, and a screenshot shows them."""

from __future__ import annotations

import itertools
import json
import struct
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhnorm.cli import main

from .chromium import Browser
from .conftest import SEEDS

SEED000, SEED001 = next(SEEDS.glob("000_*.txt")), next(SEEDS.glob("001_*.txt"))

# Every <mark> of the view: side, passages, offsets, text and computed background.
MARKS = """Array.from(document.querySelectorAll('mark')).map(m => ({
  side: m.dataset.side, passage: Number(m.dataset.passage),
  passages: m.dataset.passages.split(' ').map(Number),
  start: Number(m.dataset.start), end: Number(m.dataset.end), text: m.textContent,
  colour: getComputedStyle(m).backgroundColor}))"""


class _External(HTMLParser):
    """References that would fetch something: src/href to the network, linked files,
    scripts with a src."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in ("src", "href"):
            if values.get(name, "").startswith(("http:", "https:", "//")):
                self.external.append(values[name])
        if tag in ("link", "img", "iframe") or (tag == "script" and "src" in values):
            self.external.append(tag)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = Browser(tmp_path_factory.mktemp("chromium"), width=1280, height=2000)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, object]]]:
    tmp = tmp_path_factory.mktemp("report")
    page = tmp / "report.html"
    result = CliRunner().invoke(
        main, ["align", str(SEED000), str(SEED001), "--json", "--html", str(page)]
    )
    assert result.exit_code == 0, result.output
    return page, [json.loads(line) for line in result.stdout.splitlines()]


def test_rendered_highlights_match_the_json(
    report: tuple[Path, list[dict[str, object]]], browser: Browser
) -> None:
    page, passages = report
    browser.open(page.as_uri())
    # One pair: the page opens on it.
    assert browser.js("document.body.dataset.view") == "pair"
    dom = browser.js("document.documentElement.outerHTML")
    parser = _External()
    parser.feed(dom)
    assert parser.external == []  # self-contained: nothing fetched
    marks = browser.js(MARKS)
    texts = {"a": SEED000.read_text("utf-8"), "b": SEED001.read_text("utf-8")}
    assert len(passages) >= 5
    colours = {}
    for number, passage in enumerate(passages):
        for side in ("a", "b"):
            mine = [m for m in marks if m["side"] == side and number in m["passages"]]
            assert mine, f"passage {number} not highlighted on side {side}"
            spans = [(m["start"], m["end"]) for m in mine]
            assert spans == sorted(spans)
            assert all(x[1] == y[0] for x, y in itertools.pairwise(spans))
            start, end = passage[f"{side}_start"], passage[f"{side}_end"]
            assert (spans[0][0], spans[-1][1]) == (start, end)
            joined = "".join(m["text"] for m in mine)
            assert joined == passage[f"{side}_text"] == texts[side][start:end]  # type: ignore[misc]
        # the same passage has the same colour on both sides
        own = {m["colour"] for m in marks if m["passage"] == number}
        assert len(own) == 1, own
        colours[number] = own.pop()
    assert len(set(colours.values())) == len(passages), "two passages share a colour"
    rows = browser.js("document.querySelectorAll('tr.passage-row').length")
    assert rows == len(passages)
    # the repairs of each document are listed (the align report explains them)
    assert browser.js("document.querySelectorAll('.repairs').length") == 2


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and raw RGB rows of an 8-bit PNG (filters undone)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows = bytearray()
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + pred) & 255
        rows += line
        previous = line
    return (
        width,
        height,
        bytes(rows) if channels == 3 else bytes(b for i, b in enumerate(rows) if i % 4 != 3),
    )


def rgb_of(css: str) -> bytes:
    """``rgb(r, g, b)`` as three bytes."""
    assert css.startswith("rgb("), css
    return bytes(int(v) for v in css[4:-1].split(","))


def pixels_of(path: Path, colour: bytes) -> int:
    _, _, rgb = _png_pixels(path)
    return sum(rgb[i : i + 3] == colour for i in range(0, len(rgb), 3))


def test_screenshot_shows_the_highlights(
    report: tuple[Path, list[dict[str, object]]], browser: Browser, tmp_path: Path
) -> None:
    page, _ = report
    browser.open(page.as_uri())
    shot = tmp_path / "report.png"
    browser.screenshot(shot)
    width, height, _ = _png_pixels(shot)
    assert (width, height) == (1280, 2000)
    first = browser.js(
        "getComputedStyle(document.querySelector('mark[data-side=a]')).backgroundColor"
    )
    assert pixels_of(shot, rgb_of(first)) > 200, "no passage highlight visible in the screenshot"


def test_summary_report_shows_the_repeated_paragraphs(tmp_path: Path, browser: Browser) -> None:
    result = CliRunner().invoke(main, ["summary", str(SEEDS), "-o", str(tmp_path), "--reuse"])
    assert result.exit_code == 0, result.output
    groups = [json.loads(line) for line in (tmp_path / "repeats.jsonl").open(encoding="utf-8")]
    passages = (tmp_path / "passages.jsonl").read_text("utf-8").splitlines()
    browser.open((tmp_path / "report.html").as_uri() + "#repeats")
    rows = browser.js(
        "Array.from(document.querySelectorAll('tr.repeat-row'))"
        ".map(r => Array.from(r.cells).map(c => c.innerText))"
    )
    assert [r[4] for r in rows] == [g["text"][:80] for g in groups]
    assert [int(r[2]) for r in rows] == [g["count"] for g in groups]
    browser.click("nav.tabs button[data-tab=pairs]")
    assert browser.js("document.querySelectorAll('tr.pair-row').length") == len(
        {(p["a_id"], p["b_id"]) for p in map(json.loads, passages)}
    )
