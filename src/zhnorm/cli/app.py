"""The ``zhnorm`` group and the one place its commands are registered."""

from __future__ import annotations

import importlib
import logging
import sys
import tempfile
import time
from typing import Any

import click

from .._version import __version__
from ..io import InputError, Terminated, check_outputs, signals_unwind, write_failure
from ..io.files import WRITE_FAILURES
from ..io.progress import logger, reset_phases, set_silent
from .options import STATS_KEY

__all__ = ["main"]


COMMANDS: dict[str, tuple[str, str]] = {
    "convert": ("convert", "convert"),
    "fix": ("fix", "fix"),
    "detect": ("detect", "detect"),
    "summary": ("summary", "summary"),
    "dedup": ("dedup", "dedup"),
    "paragraphs": ("paragraphs", "paragraphs_command"),
    "reuse": ("reuse", "reuse_command"),
    "align": ("align", "align_command"),
    "run": ("run", "run"),
}
"""Every command: its name -> (its module in this package, the command's name there).
A command's module is imported only when the command runs (or ``--help`` lists it), so
``zhnorm convert`` does not import numpy and the text-reuse code."""


class _Group(click.Group):
    """The ``zhnorm`` group: its commands are loaded on first use (:data:`COMMANDS`).
    An :class:`~zhnorm.io.InputError` from any command (bad input, named by file and
    position, or an :class:`~zhnorm.io.OutputError`: an output path it must not write)
    and a write the file system refused (a full disk) are a one-line error, not a
    traceback.  SIGINT and SIGTERM unwind the command (its temporary files are removed)
    and exit with 128 + signal."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f".{module}", __package__), name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with signals_unwind():
                return super().invoke(ctx)
        except InputError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            if exc.errno not in WRITE_FAILURES:
                raise
            message = str(write_failure(exc.filename, exc))
            if exc.filename is None:  # outputs name their path: this was scratch space
                message += f" (temporary files go to {tempfile.gettempdir()}; TMPDIR moves them)"
            raise click.ClickException(message) from exc
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
