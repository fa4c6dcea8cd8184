"""Hypothesis fuzzing of the readers (issue 15): random bytes, JSONL with odd fields,
BOMs, mixed encodings, NULs, escaped lone surrogates, long lines, CRLF, empty files.

The invariants, whatever the input:

* reading raises nothing but :class:`~zhnorm.io.InputError` (bad records are yielded
  as :class:`~zhnorm.io.BadRecord`, never raised);
* every line that is not blank is one record or one reject: ``in = records + rejects``
  (counted here by an oracle written apart from the reader);
* every record has a ``str`` text and a ``str`` id, and what zhnorm writes for it
  (:func:`~zhnorm.io.dumps_record`) reads back as the same record;
* decoding matches Python's one-shot decoding, chunked at any size: the same text, or
  an error naming the offset of the first bad byte.

The examples are derandomised (the same ones on every run, so the suite cannot flake);
``ZHNORM_FUZZ_EXAMPLES=N`` draws N fresh random ones instead.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zhnorm.io import (
    ENCODINGS,
    BadRecord,
    InputError,
    Record,
    detect_encoding,
    dumps_record,
    iter_records,
    parse_jsonl_line,
    read_text_chunks,
    text_documents,
)

from .conftest import compress

EXAMPLES = int(os.environ.get("ZHNORM_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 200,
    derandomize=not EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEWER = settings(FUZZ, max_examples=EXAMPLES or 60)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


# --- what the inputs are made of -----------------------------------------------------

ODD_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),  # no lone surrogates: those come escaped, below
        st.sampled_from(["\x00", "\r", "\u3000", "\ufeff", "\u2028", "头", "髮", "𠀀", "\x85"]),
    ),
    max_size=30,
)
VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), ODD_TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def json_object_line(draw: st.DrawFn) -> bytes:
    """A JSON object whose ``text`` and ``id`` may be missing, of any type, or strings
    with lone surrogates escaped."""
    record: dict[str, object] = draw(st.dictionaries(ODD_TEXT, VALUES, max_size=3))
    for key in ("text", "id"):
        choice = draw(st.integers(0, 3))
        if choice == 1:
            record[key] = draw(ODD_TEXT)
        elif choice == 2:
            record[key] = draw(VALUES)
    line = json.dumps(record, ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()) and '"text": "' in line:  # an escaped lone surrogate in the text
        surrogate = draw(st.sampled_from(["\\ud800", "\\udfff", "\\udc00x"]))
        line = line.replace('"text": "', f'"text": "{surrogate}', 1)
    return line.encode("utf-8")


LINE = st.one_of(
    json_object_line(),
    json_object_line(),
    json_object_line().map(lambda line: line.decode().encode("gbk", "replace")),  # mixed
    st.sampled_from([b"", b"   ", b"\t", b"\x00", b"[1, 2]", b"7", b'"s"', b"{", b"}", b"null"]),
    st.sampled_from(["\u3000".encode(), b'{"text": "a"}\x00', b'{"text": "\xff"}']),
    st.binary(max_size=40).filter(lambda b: b"\n" not in b),
)


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(LINE, max_size=12))
    ends = [draw(st.sampled_from([b"\n", b"\r\n"])) for _ in lines]
    data = b"".join(line + end for line, end in zip(lines, ends, strict=True))
    if lines and draw(st.booleans()):
        data = data[: -len(ends[-1])]  # no line break after the last line
    if draw(st.booleans()):
        data = codecs.BOM_UTF8 + data
    return data


# --- the oracle -----------------------------------------------------------------------


def expected_items(data: bytes) -> int:
    """How many records and rejects a JSONL file of ``data`` holds: its lines (split at
    ``\\n``, a leading UTF-8 BOM dropped) but the blank ones."""
    data = data.removeprefix(codecs.BOM_UTF8)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    count = 0
    for line in lines:
        try:
            blank = not line.decode("utf-8").strip()
        except UnicodeDecodeError:
            blank = False
        count += not blank
    return count


def check_items(items: list[Record | BadRecord]) -> None:
    for item in items:
        if isinstance(item, BadRecord):
            assert isinstance(item.reason, str) and item.reason
            assert isinstance(item.raw, str)
            line = dumps_record(item.to_dict())
            assert line.encode("utf-8")  # a rejects line is valid UTF-8
            continue
        assert isinstance(item, Record)
        assert isinstance(item.text, str) and isinstance(item.id, str)
        line = dumps_record(item.data)
        parsed = parse_jsonl_line(line.encode("utf-8"), "out", 1)  # valid UTF-8 again
        assert parsed == item.data


def read_all(path: Path, **kwargs: str) -> list[Record | BadRecord] | InputError:
    try:
        return list(iter_records([str(path)], **kwargs))
    except InputError as exc:  # the documented failure, one line naming the file
        assert str(path) in str(exc) and "\n" not in str(exc)
        return exc


# --- JSONL ----------------------------------------------------------------------------


@FUZZ
@given(data=jsonl_bytes(), id_field=st.sampled_from([None, "id"]))
@example(data=b"", id_field=None)
@example(data=codecs.BOM_UTF8, id_field=None)
@example(data=b'\r\n\r\n{"text": "\\ud800"}\r\n', id_field=None)
@example(data=b'{"text": "x", "id": 1.5}\n\x00\n{"text": "\\udfff", "id": null}', id_field="id")
def test_jsonl_every_line_is_a_record_or_a_reject(
    folder: Path, data: bytes, id_field: str | None
) -> None:
    path = folder / "fuzz.jsonl"
    path.write_bytes(data)
    items = read_all(path, id_field=id_field) if id_field else read_all(path)
    assert not isinstance(items, InputError), items  # plain UTF-8 JSONL never stops a run
    assert len(items) == expected_items(data)
    check_items(items)
    for item in items:
        if isinstance(item, Record) and id_field is None:
            assert item.id == f"{path}:{item.line}"


@FEWER
@given(data=jsonl_bytes(), codec=st.sampled_from(["gz", "bz2", "xz", "zst"]))
def test_compressed_jsonl_reads_as_the_plain_file(folder: Path, data: bytes, codec: str) -> None:
    plain = folder / "plain.jsonl"
    plain.write_bytes(data)
    packed = folder / f"packed.jsonl.{codec}"
    packed.write_bytes(compress(codec, data))
    expected = read_all(plain)
    got = read_all(packed)
    assert not isinstance(got, InputError), got
    assert not isinstance(expected, InputError)
    assert [_strip_source(item) for item in got] == [_strip_source(item) for item in expected]


@FEWER
@given(junk=st.binary(max_size=300), codec=st.sampled_from(["gz", "bz2", "xz", "zst"]))
@example(junk=b"", codec="gz")
@example(junk=b"\x1f\x8b", codec="gz")
@example(junk=b"(\xb5/\xfd", codec="zst")
def test_random_bytes_as_compressed_input(folder: Path, junk: bytes, codec: str) -> None:
    path = folder / f"junk.jsonl.{codec}"
    path.write_bytes(junk)
    items = read_all(path)
    if isinstance(items, InputError):
        assert "cannot decompress" in str(items)
    else:  # random bytes that happen to be a stream: its lines, as ever
        check_items(items)


def _strip_source(item: Record | BadRecord) -> tuple[object, ...]:
    if isinstance(item, BadRecord):
        return ("bad", item.line, item.reason, item.raw)
    return ("record", item.line, item.text, item.data)


# --- encodings --------------------------------------------------------------------------

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def python_decoding(data: bytes, encoding: str) -> tuple[str | None, int]:
    """The text Python's one-shot decoding gives, or ``None`` and the file offset of the
    first bad byte; with zhnorm's one difference: UTF-16 needs its byte-order mark (a
    stream of two bytes or more without one fails at its start)."""
    if encoding == "utf-16" and len(data) >= 2 and not data.startswith(UTF16_BOMS):
        return None, 0
    try:
        return data.decode(encoding), -1
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
            return None, exc.start + len(codecs.BOM_UTF8)  # Python counts after the BOM
        return None, exc.start


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.text(alphabet="头髮軟體，。abc\n", max_size=60).map(lambda t: t.encode("gb18030")),
        st.text(alphabet="頭髮軟體，。abc\n", max_size=60).map(lambda t: t.encode("big5")),
        st.text(max_size=40).map(lambda t: t.encode("utf-16", "surrogatepass")),
    ),
    encoding=st.sampled_from(ENCODINGS),
    chunk=st.integers(1, 9),
)
@example(data="头".encode() + b"\xff", encoding="utf-8", chunk=2)
@example(data=codecs.BOM_UTF8 + b"\xe5\xa4", encoding="utf-8-sig", chunk=1)
def test_decoding_matches_python_at_any_chunk_size(data: bytes, encoding: str, chunk: int) -> None:
    whole, start = python_decoding(data, encoding)
    try:
        got = "".join(read_text_chunks(io.BytesIO(data), "t.txt", encoding=encoding,
                                       chunk_bytes=chunk))  # fmt: skip
    except InputError as exc:
        assert whole is None, (exc, data)
        offset = re.search(r"byte offset (\d+)", str(exc))
        assert offset, str(exc)
        if not (encoding == "utf-16" and not data.startswith(UTF16_BOMS)):  # else: any offset
            assert int(offset.group(1)) == start, (str(exc), start)
        return
    assert got == whole


@FUZZ
@given(
    text=st.text(alphabet="头髮軟體，。ab \n{}\"':0", max_size=80),
    encoding=st.sampled_from(["gb18030", "gbk", "big5", "utf-16", "utf-8-sig"]),
)
def test_jsonl_in_another_encoding_reads_as_its_utf8_twin(
    folder: Path, text: str, encoding: str
) -> None:
    data = text.encode(encoding, "replace")
    path = folder / "enc.jsonl"
    path.write_bytes(data)
    twin = folder / "twin.jsonl"
    twin.write_bytes(data.decode(encoding).encode("utf-8"))
    got = read_all(path, encoding=encoding)
    expected = read_all(twin)
    assert not isinstance(got, InputError) and not isinstance(expected, InputError), got
    assert [_strip_source(item) for item in got] == [_strip_source(item) for item in expected]


@FUZZ
@given(data=st.binary(max_size=300))
@example(data=b"")
@example(data=codecs.BOM_UTF16_LE)
def test_detect_encoding_always_names_one(data: bytes) -> None:
    assert detect_encoding(data) in ENCODINGS
    assert detect_encoding(data, final=False) in ENCODINGS


@FEWER
@given(
    data=st.binary(max_size=120),
    suffix=st.sampled_from([".txt", ".md", ".txt.gz"]),
    encoding=st.sampled_from(["utf-8", "auto", "gbk", "utf-16"]),
    errors=st.sampled_from(["strict", "replace"]),
)
def test_a_text_file_is_one_document_or_one_reject(
    folder: Path, data: bytes, suffix: str, encoding: str, errors: str
) -> None:
    path = folder / f"doc{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    try:
        (item,) = text_documents([str(path)], errors=errors, encoding=encoding)
    except InputError as exc:
        pytest.fail(f"a readable text file stopped the run: {exc}")
    if isinstance(item, Record):
        assert isinstance(item.text, str) and item.id == str(path)
        assert not item.text.startswith("\ufeff")
    else:
        no_bom = encoding == "utf-16" and len(data) >= 2 and not data.startswith(UTF16_BOMS)
        assert errors == "strict" or no_bom, item
        assert "byte offset" in item.reason
        if encoding != "auto" and not no_bom:
            expected = python_decoding(data, "utf-8-sig" if encoding == "utf-8" else encoding)[1]
            assert f"byte offset {expected} " in item.reason, (item.reason, expected)


# --- long lines, Parquet ------------------------------------------------------------------


def test_a_line_longer_than_every_buffer(folder: Path) -> None:
    """A 3 MB record (the decoders read 64 KiB and 1 MiB blocks), multibyte characters
    across every block boundary, in UTF-8 and recoded from GBK and UTF-16."""
    text = "头发軟件，" * 200_000 + "\u3000end"
    line = json.dumps({"id": "long", "text": text}, ensure_ascii=False) + "\r\n"
    for encoding in ("utf-8", "gbk", "utf-16", "auto"):
        path = folder / "long.jsonl"
        path.write_bytes((line + '{"text": "next"}\n').encode("utf-8" if encoding == "auto"
                                                            else encoding))  # fmt: skip
        items = read_all(path, encoding=encoding, id_field="id")
        assert not isinstance(items, InputError), items
        assert [type(i) for i in items] == [Record, BadRecord]  # the second has no id
        assert isinstance(items[0], Record) and items[0].text == text


@FEWER
@given(
    rows=st.lists(
        st.fixed_dictionaries({"text": st.one_of(st.none(), ODD_TEXT), "n": st.integers(0, 9)}),
        max_size=6,
    )
)
def test_parquet_rows_are_records_or_rejects(folder: Path, rows: list[dict[str, object]]) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = folder / "rows.parquet"
    schema = pa.schema([("text", pa.string()), ("n", pa.int64())])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    items = read_all(path)
    assert not isinstance(items, InputError), items
    assert len(items) == len(rows)
    assert [isinstance(i, Record) for i in items] == [row["text"] is not None for row in rows]
    check_items(items)
