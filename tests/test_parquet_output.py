"""Parquet output: streamed in row groups, typed from the configuration and the input,
one schema across the shards of separate runs (a folder of outputs is one dataset)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from zhnorm import Pipeline
from zhnorm.cli import main
from zhnorm.io import InputError, RecordWriter
from zhnorm.io.parquet import ParquetRows, arrow_type
from zhnorm.pipeline import run_files

PIPELINE = Pipeline.from_dict(
    {"steps": [{"step": "leaked_pinyin"}, {"step": "fix"}, {"step": "detect_script"}]}
)


def _jsonl(path: Path, texts: list[str]) -> str:
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_shards_of_separate_runs_share_one_schema(tmp_path: Path) -> None:
    shards = tmp_path / "out"
    shards.mkdir()
    # Shard 0: no filter fires (flags all empty); shard 1: leaked readings fire.
    clean = _jsonl(tmp_path / "a.jsonl", ["简体中文文本。", "又一段简体中文。"])
    dirty = _jsonl(tmp_path / "b.jsonl", ["現(xiàn)代快報訊 產(chǎn)業(yè)園", "abc"])
    run_files(PIPELINE, [clean], str(shards / "0.parquet"), provenance=True)
    run_files(PIPELINE, [dirty], str(shards / "1.parquet"), provenance=True)
    schemas = [pq.read_schema(shards / f"{i}.parquet") for i in (0, 1)]
    assert schemas[0] == schemas[1]
    assert schemas[0].field("zhnorm_flags").type == pa.list_(pa.string())
    assert schemas[0].field("zhnorm_fingerprint").type == pa.string()
    table = pq.read_table(shards)  # the folder as one dataset
    assert table.num_rows == 4
    datasets = pytest.importorskip("datasets")  # the test extra installs it
    loaded = datasets.load_dataset(
        "parquet", data_files=str(shards / "*.parquet"), split="train", cache_dir=str(tmp_path)
    )
    flags = {flag for row in loaded["zhnorm_flags"] for flag in row}
    assert loaded.num_rows == 4 and "leaked_pinyin" in flags


def test_dedup_keeps_the_input_types(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    when = dt.datetime(2017, 11, 30, 8, 0)
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int32()),
            "text": ["第一篇报道的正文内容", "第一篇报道的正文内容", "另一篇完全不同的文章"],
            "published": pa.array([when, when, when], pa.timestamp("ms")),
            "note": pa.array([None, None, None], pa.string()),
        }
    )
    pq.write_table(table, source)
    out = tmp_path / "kept.parquet"
    result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    kept = pq.read_table(out)
    assert kept.num_rows == 2
    assert kept.schema == table.schema
    assert kept.column("published").to_pylist() == [when, when]


def test_rows_stream_in_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    rows = ParquetRows(str(path), columns={"flags": "list<string>"}, batch_rows=10)
    for i in range(35):
        rows.write({"i": i, "flags": [] if i < 20 else ["x"], "maybe": None})
        assert len(rows.rows) < 10  # never more than a row group in memory
    rows.close()
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 4 and meta.num_rows == 35
    back = pq.read_table(path)
    assert back.schema.field("flags").type == pa.list_(pa.string())
    assert back.schema.field("maybe").type == pa.string()  # null throughout: string
    assert back.column("i").to_pylist() == list(range(35))


def test_a_late_column_or_a_misfit_value_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    for rows, message in (
        (
            [{"a": 1}, {"a": 2}, {"a": 3, "late": "x"}],
            r"column 'late' first appears in output record 3",
        ),
        (
            [{"a": 1}, {"a": 2}, {"a": "three"}],
            r"does not fit its Parquet column type \(records 3-3\)",
        ),
    ):
        writer = ParquetRows(str(path), batch_rows=2)
        with pytest.raises(InputError, match=message):
            for row in rows:
                writer.write(row)
            writer.close()
        assert not path.exists() and not list(tmp_path.glob(".zhnorm-*"))
    with pytest.raises(ValueError, match="unknown column kind 'list<int>'"):
        arrow_type("list<int>")


def test_empty_output_still_has_the_declared_columns(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    with RecordWriter(str(path), columns={"zhnorm_flags": "list<string>"}):
        pass
    schema = pq.read_schema(path)
    assert schema.names == ["zhnorm_flags"] and pq.read_table(path).num_rows == 0
