"""The HTML report, opened in headless Chromium (Debian package ``chromium``): the
highlighted spans in the rendered DOM match the JSON passages, and a screenshot shows
them."""

from __future__ import annotations

import itertools
import json
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhnorm.cli import main
from zhnorm.textreuse.report import PALETTE

from .conftest import SEEDS

CHROMIUM = Path("/usr/bin/chromium")
SEED000, SEED001 = next(SEEDS.glob("000_*.txt")), next(SEEDS.glob("001_*.txt"))


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the HTML report is tested in headless Chromium; "
            "install Debian's package (`apt-get install -y chromium`, or `make browser`)"
        )
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


class _Marks(HTMLParser):
    """Every ``<mark>`` of the DOM with its attributes and text; external references."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[dict[str, str]] = []
        self.external: list[str] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in ("src", "href"):
            if values.get(name, "").startswith(("http:", "https:", "//")):
                self.external.append(values[name])
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(tag)
        if tag == "mark":
            self._open = {**values, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark" and self._open is not None:
            self.marks.append(self._open)
            self._open = None


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
    report: tuple[Path, list[dict[str, object]]], tmp_path: Path
) -> None:
    page, passages = report
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "<mark" in dom and "shared passages" in dom
    parser = _Marks()
    parser.feed(dom)
    assert parser.external == []  # self-contained: nothing fetched, no scripts
    texts = {"a": SEED000.read_text("utf-8"), "b": SEED001.read_text("utf-8")}
    assert len(passages) >= 5
    for number, passage in enumerate(passages):
        for side in ("a", "b"):
            marks = [
                m
                for m in parser.marks
                if m["data-side"] == side and str(number) in m["data-passages"].split()
            ]
            assert marks, f"passage {number} not highlighted on side {side}"
            spans = [(int(m["data-start"]), int(m["data-end"])) for m in marks]
            assert spans == sorted(spans)
            assert all(x[1] == y[0] for x, y in itertools.pairwise(spans))
            start, end = passage[f"{side}_start"], passage[f"{side}_end"]
            assert (spans[0][0], spans[-1][1]) == (start, end)
            joined = "".join(m["text"] for m in marks)
            assert joined == passage[f"{side}_text"] == texts[side][start:end]  # type: ignore[misc]
            colour = f"c{int(marks[0]['data-passage']) % len(PALETTE)}"
            assert colour in marks[0]["class"].split()
    # the same passage has the same colour on both sides
    for number in range(len(passages)):
        classes = {m["class"].split()[0] for m in parser.marks if m["data-passage"] == str(number)}
        assert len(classes) <= 1


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and raw RGB(A) rows of an 8-bit PNG (filters undone)."""
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


def test_screenshot_shows_the_highlights(
    report: tuple[Path, list[dict[str, object]]], tmp_path: Path
) -> None:
    page, _ = report
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000
    width, height, rgb = _png_pixels(shot)
    assert (width, height) == (1280, 2000)
    first = PALETTE[0].lstrip("#")
    colour = bytes.fromhex(first)
    found = sum(rgb[i : i + 3] == colour for i in range(0, len(rgb), 3 * 7))
    assert found > 20, "no passage highlight visible in the screenshot"
