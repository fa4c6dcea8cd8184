"""The ``zhnorm`` group and the one place its commands are registered."""

from __future__ import annotations

from typing import Any

import click

from .._version import __version__
from ..io import InputError
from . import align, convert, dedup, detect, fix, paragraphs, reuse, run, summary

__all__ = ["main"]


class _Group(click.Group):
    """The ``zhnorm`` group: an :class:`~zhnorm.io.InputError` from any command (bad
    input, named by file and position) is a one-line error, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zhnorm")
def main() -> None:
    """Chinese text normalisation: OpenCC-exact script conversion and script detection."""


for command in (
    convert.convert,
    fix.fix,
    detect.detect,
    summary.summary,
    dedup.dedup,
    paragraphs.paragraphs_command,
    reuse.reuse_command,
    align.align_command,
    run.run,
):
    main.add_command(command)
