"""Every module imports by its dotted path, and the front's public names stay callable."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import zhnorm

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(zhnorm.__path__, "zhnorm.")
    if not info.name.startswith("zhnorm.spark.") or info.name.endswith("_common")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_by_dotted_path(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(module, types.ModuleType)
    parent, _, leaf = name.rpartition(".")
    # The attribute path names the module too: no function of the parent hides it.
    assert getattr(importlib.import_module(parent), leaf) is module


def test_front_names_resolve() -> None:
    for name in zhnorm.__all__:
        assert getattr(zhnorm, name) is not None, name
    assert callable(zhnorm.dedup) and callable(zhnorm.reuse) and callable(zhnorm.align)


def test_import_loads_nothing_heavy() -> None:
    code = (
        "import sys, zhnorm\n"
        "heavy = [m for m in ('numpy', 'zhnorm.neardup', 'zhnorm.repair', 'zhnorm.textreuse',"
        " 'zhnorm.script', 'click') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_module_imports_the_package_front() -> None:
    """``from zhnorm import convert`` (or ``from .. import convert``) inside the package
    would load the front from within; importing a subpackage that way is fine."""
    root = Path(zhnorm.__file__).parent
    subpackages = {name.split(".")[1] for name in MODULES}
    offenders = []
    for path in root.rglob("*.py"):
        depth = len(path.relative_to(root).parts) - 1  # package levels below the front
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and path != root / "__init__.py":
                front = (
                    node.module == "zhnorm"
                    if node.level == 0
                    else (node.level == depth + 1 and node.module is None)
                )
                if front and not all(alias.name in subpackages for alias in node.names):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name == "zhnorm" for a in node.names):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


def test_every_per_text_operation_has_a_batch_form() -> None:
    """One string or a batch: each per-text function of the front has a ``*_batch``
    counterpart giving, in order, what the function gives for each text."""
    texts = ["网(wǎng)站建设(shè)软件", "漢字", ""]
    batches = {
        zhnorm.convert: zhnorm.convert_batch,
        zhnorm.detect_script: zhnorm.detect_batch,
        zhnorm.fix_text: zhnorm.fix_batch,
        zhnorm.normalize: zhnorm.normalize_batch,
        zhnorm.fix_and_explain: zhnorm.explain_batch,
        zhnorm.paragraphs: zhnorm.paragraphs_batch,
    }
    for single, batch in batches.items():
        assert batch(texts) == [single(text) for text in texts], single.__name__
    pairs = [("台风登陆花莲", "颱風登陸花蓮"), ("a", "b")]
    assert zhnorm.story_similarity_batch(pairs) == [zhnorm.story_similarity(*p) for p in pairs]
    assert zhnorm.align_batch(pairs) == [zhnorm.align(*p) for p in pairs]


def test_cli_loads_a_command_only_when_it_runs() -> None:
    """``zhnorm convert`` reads its text without numpy or the text-reuse code; every
    registered command loads under its own name."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from zhnorm.cli import main\n"
        "out = CliRunner().invoke(main, ['convert', '-c', 's2t'], input='汉字\\n').output\n"
        "heavy = [m for m in ('numpy', 'zhnorm.textreuse', 'zhnorm.neardup') if m in sys.modules]\n"
        "print(out.strip(), heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "漢字 []"
    import click

    from zhnorm.cli.app import COMMANDS, main

    context = click.Context(main)
    assert main.list_commands(context) == sorted(COMMANDS)
    for name in COMMANDS:
        command = main.get_command(context, name)
        assert command is not None and command.name == name
    assert main.get_command(context, "nope") is None
