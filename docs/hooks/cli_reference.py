"""mkdocs hook: the CLI reference page, generated from the click commands.

``docs/cli.md`` holds the marker ``<!-- zhnorm-cli-reference -->``; on build it is
replaced by :func:`render`, which walks every command registered on
:data:`zhnorm.cli.main` (and the subcommands of any group) and emits its ``--help``.
Run this file directly to print the generated Markdown.
"""

from __future__ import annotations

from typing import Any

import click

MARKER = "<!-- zhnorm-cli-reference -->"
WIDTH = 88


def _walk(
    command: click.Command, name: str, parent: click.Context | None
) -> list[tuple[str, click.Command, click.Context]]:
    settings = {**command.context_settings, "terminal_width": WIDTH}
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    found = [(ctx.command_path, command, ctx)]
    if isinstance(command, click.Group):
        for sub in sorted(command.list_commands(ctx)):
            child = command.get_command(ctx, sub)
            if child is not None and not child.hidden:
                found += _walk(child, sub, ctx)
    return found


def commands() -> list[tuple[str, click.Command, click.Context]]:
    """``(command path, command, context)`` for ``zhnorm`` and every subcommand."""
    from zhnorm.cli import main

    return _walk(main, "zhnorm", None)


def render() -> str:
    """Markdown: an index, then one section per command with its help text."""
    found = commands()
    lines = ["| Command | What it does |", "|---|---|"]
    for path, command, _ctx in found[1:]:
        anchor = path.replace(" ", "-")
        lines.append(f"| [`{path}`](#{anchor}) | {command.get_short_help_str(100)} |")
    lines.append("")
    for path, command, ctx in found:
        lines += [f"## {path}", "", "```text", command.get_help(ctx), "```", ""]
    return "\n".join(lines)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, render())
    return markdown


if __name__ == "__main__":  # pragma: no cover
    print(render())
