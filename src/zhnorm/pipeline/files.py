"""Pipeline configuration files: TOML, YAML and JSON in, out, and the commented default.

A file holds one table/object with a ``steps`` list; each step is a table with a
``step`` key naming it and that step's options::

    [[steps]]
    step = "fix"
    layout = false

    [[steps]]
    step = "convert"
    config = "t2s"
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..script import CONFIG_NAMES
from .steps import PipelineConfigError

__all__ = ["FORMATS", "default_config_toml", "dump_config", "format_for", "load_config_text"]

#: File suffix -> format name.
FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def format_for(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise PipelineConfigError(
            f"{path}: unknown pipeline file type {suffix or '(no suffix)'!r}; "
            f"valid: {', '.join(FORMATS)}"
        ) from None


def _toml_module() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:  # pragma: no cover - Python 3.10
        import tomli
    except ImportError:  # pragma: no cover
        raise PipelineConfigError(
            "reading TOML on Python 3.10 needs the package 'tomli' (pip install tomli)"
        ) from None
    return tomli  # pragma: no cover


def _yaml_module() -> Any:
    try:
        return importlib.import_module("yaml")
    except ImportError:
        raise PipelineConfigError(
            "YAML pipeline files need the package 'pyyaml': pip install 'zhnorm[yaml]'"
        ) from None


def load_config_text(text: str, fmt: str, source: str) -> Any:
    """Parse a configuration in ``fmt`` (``toml``/``yaml``/``json``); syntax errors
    become :class:`PipelineConfigError` naming ``source``."""
    try:
        if fmt == "toml":
            return _toml_module().loads(text)
        if fmt == "yaml":
            yaml = _yaml_module()
            try:
                return yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise PipelineConfigError(f"{source}: invalid YAML: {exc}") from None
        if fmt == "json":
            return json.loads(text)
    except PipelineConfigError:
        raise
    except ValueError as exc:  # tomllib.TOMLDecodeError and JSONDecodeError
        raise PipelineConfigError(f"{source}: invalid {fmt.upper()}: {exc}") from None
    raise PipelineConfigError(f"{source}: unknown format {fmt!r}; valid: toml, yaml, json")


# --- writing ---------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{json.dumps(str(k), ensure_ascii=False)} = {_toml_value(v)}" for k, v in value.items()
        )
        return "{ " + ", ".join(items) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dump_config(data: dict[str, Any], fmt: str) -> str:
    """Text of ``data`` (a pipeline's ``to_dict()``) in ``fmt``.  TOML has no null:
    options whose value is ``None`` are left out, which means the same."""
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        text: str = _yaml_module().safe_dump(data, allow_unicode=True, sort_keys=False)
        return text
    if fmt != "toml":
        raise PipelineConfigError(f"unknown format {fmt!r}; valid: toml, yaml, json")
    lines: list[str] = []
    for step in data["steps"]:
        lines.append("[[steps]]")
        lines.extend(
            f"{key} = {_toml_value(value)}" for key, value in step.items() if value is not None
        )
        lines.append("")
    return "\n".join(lines)


def default_config_toml() -> str:
    """The commented starting configuration ``zhnorm run --print-default-config`` prints
    (and :meth:`zhnorm.Pipeline.default` builds)."""
    configs = " ".join(CONFIG_NAMES)
    return f"""\
# zhnorm pipeline.  The steps run in order on the text of every record.
#   zhnorm run pipeline.toml INPUT... -o OUTPUT      (JSONL, Parquet or .txt)
#   zhnorm.Pipeline.from_file("pipeline.toml")     (Python, datasets, pandas, Spark)
# Transforms: fix, convert, style.  Filters: leaked_pinyin, repair_share,
# detect_script - they add a zhnorm_* column and list their name in zhnorm_flags
# when their condition holds; no record is ever dropped.

# Count leaked pinyin readings (現(xiàn)代: a content-farm rewriter's trace) before
# `fix` removes them.  Column zhnorm_leaked_pinyin.
[[steps]]
step = "leaked_pinyin"
min_readings = 1          # flag a record with at least this many readings
aggressive = false        # true: also count where the per-document gate does not fire

# Repair damaged text.  Every repair is on; the style folds are off.
[[steps]]
step = "fix"
clutter = true            # HTML entities, look-alike ideographs, invisible characters
mojibake = true           # text decoded with the wrong codec: æµ‹è¯• 鍙戝竷
byteshift = true          # GBK text decoded one byte out of step: ?！蹦贤
ruby = true               # leaked pinyin readings: 現(xiàn)代 -> 現代
ruby_aggressive = false   # remove readings even where the document gate does not fire
layout = true             # rejoin sentences broken by column layout
fullwidth_ascii = false   # style: ＶＩＰ２０１２ -> VIP2012
halfwidth_katakana = false  # style: ｶﾞｲﾄﾞ -> ガイド
spaces = false            # style: ideographic and no-break spaces -> ASCII space
# punctuation = "cjk"     # style: "cjk" or "ascii" punctuation (left out: unchanged)

# Share of characters `fix` changed (column zhnorm_repair_share); flag above max_share.
[[steps]]
step = "repair_share"
max_share = 0.1

# Script conversion: uncomment, and give either an OpenCC configuration or a target.
# [[steps]]
# step = "convert"
# config = "s2t"          # an OpenCC configuration:
# #   {configs}
# user_dict = "terms.tsv" # key<TAB>value lines (relative to this file) or a table
# protect = ['https?://\\S+']   # regular expressions whose matches stay unconverted
# # to = "simplified"     # instead of config: simplified, traditional, tw or hk,
# #                       # chosen per text from its detected script

# The script of the result (column zhnorm_script); flag records whose script is not
# in `expect` (empty: annotate only).  Scripts: simplified traditional mixed none.
[[steps]]
step = "detect_script"
expect = []
"""
