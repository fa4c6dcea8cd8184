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
