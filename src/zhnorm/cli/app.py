"""The ``zhnorm`` group and the one place its commands are registered."""

from __future__ import annotations

from typing import Any

import click

from .._version import __version__
from ..io import InputError, Terminated, signals_unwind, write_failure
from ..io.files import WRITE_FAILURES
from . import align, convert, dedup, detect, fix, paragraphs, reuse, run, summary

__all__ = ["main"]


class _Group(click.Group):
    """The ``zhnorm`` group: an :class:`~zhnorm.io.InputError` from any command (bad
    input, named by file and position, or an :class:`~zhnorm.io.OutputError`: an output
    path it must not write), and a write the file system refused (a full disk) is a
    one-line error, not a traceback.  SIGINT and SIGTERM
    unwind the command (its temporary files are removed) and exit with 128 + signal."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with signals_unwind():
                return super().invoke(ctx)
        except InputError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            if exc.errno not in WRITE_FAILURES:
                raise
            raise click.ClickException(str(write_failure(exc.filename, exc))) from exc
        except Terminated as exc:
            click.echo(f"zhnorm: stopped by {exc}", err=True)
            ctx.exit(128 + exc.signum)


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
