"""The documentation site: its examples run, its results are true, it builds.

* Every ```python block of every page under docs/ runs, in page order, in one namespace
  per page, in a scratch directory that holds ``seeds/``.  A top-level expression whose
  line ends with a comment holding a Python literal (``x  # 'value'``) must equal it.
* A block preceded by ``<!-- docs-test: file NAME -->`` is written to NAME first (the
  configuration files the examples load); ``<!-- docs-test: skip -->`` skips a block
  (for examples that need a cluster); ``<!-- docs-test: summary-output -->`` marks the
  recorded output of ``zhnorm summary seeds``, compared with a fresh run.
* ``mkdocs build --strict`` succeeds, and the generated CLI reference covers every
  registered command.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from click.testing import CliRunner

from zhnorm.cli import main
from zhnorm.pipeline import STEP_TYPES

from .conftest import REPO, SEEDS

DOCS = REPO / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.relative_to(DOCS).parts)
FENCE = re.compile(
    r"^(?:<!-- docs-test: (?P<marker>[^>]*?) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)^```$",
    re.M | re.S,
)
LITERAL_START = (*"'\"([{-0123456789", "True", "False", "None")
SHOWN_REPR = re.compile(r"[A-Z]\w*\(.*\)")
"""A result comment that is an object's repr: a class name and its arguments."""


@dataclass
class Block:
    lang: str
    marker: str
    body: str
    line: int


def blocks(page: Path) -> list[Block]:
    text = page.read_text("utf-8")
    return [
        Block(m["lang"], (m["marker"] or "").strip(), m["body"], text.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(text)
    ]


def _run_block(block: Block, where: str, namespace: dict[str, object]) -> int:
    """Run one block statement by statement; return how many results were checked."""
    lines = block.body.splitlines()
    checked = 0
    for statement in ast.parse(block.body, where).body:
        assert statement.end_lineno is not None
        line = lines[statement.end_lineno - 1]
        comment = line.partition("  # ")[2].strip()
        label = f"{where}:{block.line + statement.lineno}: {lines[statement.lineno - 1]}"
        if isinstance(statement, ast.Expr) and SHOWN_REPR.fullmatch(comment):
            # An object shown by its repr (``MinHashParams(num_perm=128, ...)``).
            value = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
            assert repr(value) == comment, f"{label}\n  got:      {value!r}\n  shown:    {comment}"
            checked += 1
        elif isinstance(statement, ast.Expr) and comment.startswith(LITERAL_START):
            try:
                expected = ast.literal_eval(comment)
            except (ValueError, SyntaxError) as exc:
                raise AssertionError(f"{label}: the comment is not a literal: {exc}") from None
            value = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
            assert value == expected, f"{label}\n  got:      {value!r}\n  expected: {expected!r}"
            checked += 1
        else:
            exec(compile(ast.Module([statement], []), where, "exec"), namespace)
    return checked


PYTHON_PAGES = [p for p in PAGES if any(b.lang == "python" for b in blocks(p))]


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=[p.name for p in PYTHON_PAGES])
def test_python_examples(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").symlink_to(SEEDS, target_is_directory=True)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    checked = 0
    for block in blocks(page):
        if block.marker.startswith("file "):
            target = tmp_path / block.marker[5:].strip()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
        elif block.lang == "python" and block.marker != "skip":
            checked += _run_block(block, page.name, namespace)
    assert checked >= 1, f"{page.name}: no checked result in its examples"


def test_seed_walkthrough_output_is_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = [b for p in PAGES for b in blocks(p) if b.marker == "summary-output"]
    assert len(recorded) == 1
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").symlink_to(SEEDS, target_is_directory=True)
    result = CliRunner().invoke(main, ["summary", "seeds"])
    assert result.exit_code == 0, result.output

    def untimed(text: str) -> str:
        return re.sub(r" in \d+(\.\d+)? ms", " in <time> ms", text).strip()

    assert untimed(result.output) == untimed(recorded[0].body)


def _hook(name: str = "cli_reference") -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DOCS / f"hooks/{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _command_paths() -> list[str]:
    import click

    paths = []

    def walk(group: click.Group, prefix: str) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            if command is None or command.hidden:
                continue
            paths.append(f"{prefix} {name}")
            if isinstance(command, click.Group):
                walk(command, f"{prefix} {name}")

    walk(main, "zhnorm")
    return paths


def test_cli_reference_covers_every_command() -> None:
    rendered = _hook().render()
    paths = _command_paths()
    assert "zhnorm run" in paths and "zhnorm convert" in paths
    for path in paths:
        assert f"\n## {path}\n" in rendered, f"{path} is missing from the CLI reference"
        assert f"Usage: {path} [OPTIONS]" in rendered
    assert "<!-- zhnorm-cli-reference -->" in (DOCS / "cli.md").read_text("utf-8")


def test_every_page_is_in_the_nav_and_every_pipeline_step_documented() -> None:
    config = yaml.load((REPO / "mkdocs.yml").read_text("utf-8"), Loader=yaml.BaseLoader)
    nav = {next(iter(entry.values())) for entry in config["nav"]}
    pages = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert pages <= nav, f"pages missing from the nav: {sorted(pages - nav)}"
    pipelines = (DOCS / "pipelines.md").read_text("utf-8")
    for name, cls in STEP_TYPES.items():
        assert f"`{name}`" in pipelines
        defaults = {"config": "s2t"} if name == "convert" else {}
        for option in cls.from_options(defaults).options():
            assert f"`{option}`" in pipelines, f"option {option!r} of {name!r} is undocumented"


API_MODULES = ("zhnorm", "zhnorm.io", "zhnorm.language_model", "zhnorm.spark")


def _api_names() -> list[str]:
    """Dotted names of the public functions and classes of the API reference's modules
    (their ``__all__``; constants have no heading of their own)."""
    import importlib
    import inspect

    names = []
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if inspect.isfunction(getattr(module, name)) or inspect.isclass(getattr(module, name)):
                names.append(f"{module_name}.{name}")
    return names


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        # Not -q: mkdocs counts strict-mode warnings only at the default log level.
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr
    cli_page = (site / "cli" / "index.html").read_text("utf-8")
    for path in _command_paths():
        assert f"Usage: {path} [OPTIONS]" in cli_page
    assert (site / "pipelines" / "index.html").is_file()
    figures_page = (site / "figures" / "index.html").read_text("utf-8")
    for path in _hook("figures").FIGURES:
        drawn = (site / path).read_text("utf-8")
        assert drawn.startswith("<?xml") and "<svg" in drawn, path
        assert f'src="{path.split("/")[-1]}"' in figures_page, f"{path} is not on the page"
    api_page = (site / "api" / "index.html").read_text("utf-8")
    for name in _api_names():
        assert f'id="{name}"' in api_page, f"{name} is missing from the API reference"


def test_figures_read_the_benchmark_tables() -> None:
    figures = _hook("figures")
    rows = figures.markdown_table(figures.bench_section("bench_dedup"), "Measure")
    recall = [r for r in rows if r["Measure"].startswith("LSH recall")]
    assert recall and all(0.0 < figures.number(r["zhnorm"]) <= 1.0 for r in recall)
    assert figures.number("13,177") == 13177.0 and figures.number("**0.994**") == 0.994
    assert figures.number("—") is None and figures.number("2.8 s / 346, 184") is None
    for draw in (figures.bench_conversion, figures.bench_dedup, figures.bench_startup):
        assert "<svg" in draw()


def test_figures_refuse_a_table_they_cannot_chart() -> None:
    figures = _hook("figures")
    with pytest.raises(ValueError, match="no section of bench_convert"):
        figures.bench_conversion("# Benchmarks\n")
    renamed = "<!-- bench_convert:start -->\n| Measure | zhnorm |\n|---|---|\n| a | 1 |\n"
    with pytest.raises(ValueError, match="no table with first column 'Metric'"):
        figures.bench_conversion(renamed + "<!-- bench_convert:end -->\n")
    no_rows = "<!-- bench_dedup:start -->\n| Measure | zhnorm | datasketch |\n|---|---|---|\n"
    with pytest.raises(ValueError, match="no row whose 'Measure' matches"):
        figures.bench_recall(no_rows + "| speed, docs/s | 1 | 2 |\n<!-- bench_dedup:end -->\n")


def test_dedup_figure_splits_pairs_at_the_threshold() -> None:
    from zhnorm.neardup.params import DEFAULT_THRESHOLD

    figures = _hook("figures")
    merged, kept_apart = figures.dedup_pair_similarities()
    assert merged and kept_apart
    assert min(merged) >= DEFAULT_THRESHOLD > max(kept_apart)
    assert min(kept_apart) >= figures.NEAR_MISS_FLOOR


def test_docstrings_read_as_markdown_in_the_api_reference() -> None:
    rewrite = _hook("griffe_docstrings").markdown_docstring
    doc = (
        "Keys of :func:`~zhnorm.key.match_key` and :class:`zhnorm.Pipeline`.\n\n"
        "    >>> [x][0]\n    ... \n    'x'\n\nAfter."
    )
    assert rewrite(doc) == (
        "Keys of `match_key` and `zhnorm.Pipeline`.\n\n"
        "    ```pycon\n    >>> [x][0]\n    ... \n    'x'\n    ```\n\nAfter."
    )
    assert rewrite("No doctest, no role.") == "No doctest, no role."
