"""The ``zhnorm`` group and the one place its commands are registered."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import click

from .._version import __version__
from ..io import InputError, Terminated, check_outputs, signals_unwind, write_failure
from ..io.files import WRITE_FAILURES
from ..io.progress import logger, reset_phases, set_silent
from . import align, convert, dedup, detect, fix, paragraphs, reuse, run, summary
from .options import STATS_KEY

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


def version_line() -> str:
    """What ``zhnorm --version`` prints: the version, the Python, and whether the compiled
    kernels are in use (without them conversion and dedup run on slower pure-Python
    twins)."""
    import platform

    from ..kernels import dispatch

    kernels = (
        "compiled kernels in use"
        if dispatch.IMPLEMENTATION == "native"
        else "compiled kernels NOT in use: pure-Python fallback, conversion and dedup much "
        "slower (see docs/getting-started.md)"
    )
    return f"zhnorm {__version__} (Python {platform.python_version()}; {kernels})"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_line())
        ctx.exit()


_HANDLER: logging.Handler | None = None


def configure_logging(verbose: bool, quiet: bool) -> None:
    """Send the ``zhnorm`` logger to stderr: info (phase ends, periodic progress lines
    when stderr is not a terminal) by default, debug with ``-v``, warnings only with
    ``-q`` (which also hides the progress bars)."""
    global _HANDLER
    if _HANDLER is not None:
        logger.removeHandler(_HANDLER)
    _HANDLER = logging.StreamHandler(sys.stderr)
    _HANDLER.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(_HANDLER)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    logger.propagate = False
    set_silent(quiet)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and whether the compiled kernels are in use, then exit.",
)
@click.option("-v", "--verbose", is_flag=True, help="Say when each phase starts, too.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress bars or phase lines; warnings and errors only."
)
@click.option(
    "--stats",
    type=click.Path(dir_okay=False),
    help="Write the run's counts and the seconds of each phase to this JSON file.",
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, quiet: bool, stats: str | None) -> None:
    """Chinese text normalisation: OpenCC-exact conversion, repair of garbled text,
    near-duplicate detection, shared paragraphs, text reuse and stories across outlets.

    Every command reads files, folders or stdin (JSONL, text, Parquet, compressed) and
    says what it read, wrote and rejected; `zhnorm COMMAND --help` for its options.
    """
    configure_logging(verbose, quiet)
    reset_phases()
    if stats is not None:
        check_outputs([], [stats])
        ctx.meta[STATS_KEY] = (stats, time.monotonic())


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
