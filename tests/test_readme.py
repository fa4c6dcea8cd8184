"""The README's Python example runs, and the results it shows in comments are true."""

from __future__ import annotations

import ast
import re

from .conftest import REPO


def test_readme_python_example() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"```python\n(.*?)```", readme, re.S)
    assert block is not None
    source = block.group(1)
    lines = source.splitlines()
    namespace: dict[str, object] = {}
    checked = 0
    for statement in ast.parse(source).body:
        code = compile(ast.Module([statement], []), "README.md", "exec")
        comment = lines[statement.end_lineno - 1].partition("  # ")[2]  # type: ignore[operator]
        if isinstance(statement, ast.Expr) and comment[:1] in ("'", "("):
            value = eval(compile(ast.Expression(statement.value), "README.md", "eval"), namespace)
            assert value == ast.literal_eval(comment), lines[statement.lineno - 1]
            checked += 1
        else:
            exec(code, namespace)
    assert checked >= 3
