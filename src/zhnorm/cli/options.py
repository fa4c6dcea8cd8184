"""Click options shared by the commands: one spelling and one help text each.

``--text-field`` (with the older ``--field`` as a hidden alias), ``--id-field``,
``--errors``, ``--encoding``, ``--skip-bad`` / ``--rejects`` (which :func:`zhnorm.io.rejects_for`
turns into the run's :class:`~zhnorm.io.Rejects`), ``--quiet``, and the passage options
of ``reuse`` and ``align``; :func:`finish`, the closing line of a record command.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..io import DEFAULT_ENCODING, ENCODING_NAMES, AtomicOutput, RunCounts, write_format
from ..io.inputs import input_kind
from ..io.progress import finished_phases, logger, set_silent
from ..key import KEY_NAMES, named_key

__all__ = [
    "ERRORS",
    "STATS_KEY",
    "encoding_option",
    "errors_option",
    "finish",
    "id_field_option",
    "input_option",
    "key_option",
    "options",
    "passage_options",
    "quiet_option",
    "record_options",
    "record_stream_options",
    "skip_bad_options",
    "spark_options",
    "text_field_option",
    "workers_option",
]

F = TypeVar("F", bound=Callable[..., Any])

ERRORS = click.Choice(["strict", "replace"])


STATS_KEY = "zhnorm.stats"
"""Where the group keeps ``(path, start time)`` of ``zhnorm --stats FILE``."""


def finish(counts: RunCounts) -> None:
    """Print the summary line of a record command on stderr, write ``--stats`` (the
    counts and the phases' seconds, JSON), then fail (exit 1) when
    :meth:`RunCounts.failure <zhnorm.io.RunCounts.failure>` says the run failed."""
    click.echo(counts.summary(), err=True)
    context = click.get_current_context(silent=True)
    requested = context.find_root().meta.get(STATS_KEY) if context is not None else None
    if requested is not None:
        path, started = requested
        stats = {
            **{k: v for k, v in dataclasses.asdict(counts).items() if v is not None},
            "summary": counts.summary(),
            "failure": counts.failure(),
            "seconds": round(time.monotonic() - started, 3),
            "phases": finished_phases(),
        }
        with AtomicOutput(path) as out:
            out.write(json.dumps(stats, ensure_ascii=False, indent=2, default=str) + "\n")
    problem = counts.failure()
    if problem is not None:
        raise click.ClickException(problem)


def options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click decorators as one, applied in the order listed (top to bottom)."""

    def decorate(command: F) -> F:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return decorate


def text_field_option(help: str = "Text field of JSONL/Parquet records.") -> Callable[[F], F]:
    """``--text-field`` (default ``text``), also accepted as the hidden ``--field``."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def merged(*args: Any, field_alias: str | None = None, **kwargs: Any) -> Any:
            if field_alias is not None:
                kwargs["text_field"] = field_alias
            return command(*args, **kwargs)

        hidden = click.option(
            "--field", "field_alias", hidden=True, help="Old name of --text-field."
        )
        shown = click.option("--text-field", default="text", show_default=True, help=help)
        return shown(hidden(merged))  # type: ignore[return-value]

    return decorate


def input_option(command: F) -> F:
    """``-i FILE`` (repeatable): inputs named the way ``opencc -i`` names them, read
    after the positional INPUTS."""

    @functools.wraps(command)
    def merged(*args: Any, input_paths: tuple[str, ...] = (), **kwargs: Any) -> Any:
        kwargs["inputs"] = tuple(kwargs.get("inputs", ())) + tuple(input_paths)
        return command(*args, **kwargs)

    return click.option(  # type: ignore[return-value]
        "-i",
        "--input",
        "input_paths",
        multiple=True,
        type=click.Path(allow_dash=True),
        help="An input (repeatable; as opencc -i), read after INPUTS.",
    )(merged)


def id_field_option(
    help: str = "Id field of the records (default: 'id' when present, else FILE:LINE).",
) -> Callable[[F], F]:
    return click.option("--id-field", help=help)


def errors_option(
    help: str | None = "Undecodable input bytes: fail with file and offset, or substitute U+FFFD.",
) -> Callable[[F], F]:
    return click.option("--errors", type=ERRORS, default="strict", show_default=True, help=help)


def encoding_option(
    help: str = "Encoding of text and JSONL inputs; auto: detect per file (said on stderr).",
) -> Callable[[F], F]:
    """``--encoding``: one of :data:`zhnorm.io.ENCODING_NAMES` (default UTF-8)."""
    return click.option(
        "--encoding",
        type=click.Choice(ENCODING_NAMES, case_sensitive=False),
        default=DEFAULT_ENCODING,
        show_default=True,
        help=help,
    )


def skip_bad_options(
    skip_help: str = "Reject bad records (with the reason) instead of failing.",
    rejects_help: str = "Where --skip-bad writes rejected records (default OUTPUT.rejects.jsonl).",
) -> Callable[[F], F]:
    """``--skip-bad`` and ``--rejects``."""
    return options(
        click.option("--skip-bad", is_flag=True, help=skip_help),
        click.option("--rejects", type=click.Path(dir_okay=False), help=rejects_help),
    )


def _quiet(_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:  # as `zhnorm -q`: no bars, no phase lines
        logger.setLevel(logging.WARNING)
        set_silent(True)
    return value


def quiet_option(*names: str) -> Callable[[F], F]:
    return click.option(
        *(names or ("-q", "--quiet")),
        is_flag=True,
        callback=_quiet,
        help="No progress display or phase lines (as `zhnorm -q`).",
    )


def key_option(command: F) -> F:
    """``--key NAME``: the matching key (:data:`zhnorm.key.KEY_NAMES`), handed to the
    command as a :class:`~zhnorm.KeyOptions` or ``None`` (its default)."""
    return click.option(
        "--key",
        type=click.Choice(list(KEY_NAMES)),
        default="default",
        show_default=True,
        callback=lambda _ctx, _param, value: named_key(value),
        help="Matching key: default (the command's), full (every repair), script (no "
        "repair, scripts folded), plain (no repair, no script fold: fastest).",
    )(command)


def workers_option(help: str) -> Callable[[F], F]:
    """``-j`` / ``--workers N``: worker processes (the output is the same for any N)."""
    return click.option(
        "-j", "--workers", default=1, show_default=True, type=click.IntRange(1, 256), help=help
    )


def _spark_conf(
    ctx: click.Context, param: click.Parameter, items: tuple[str, ...]
) -> dict[str, str]:
    from ..spark._common import parse_spark_conf  # no pyspark import

    try:
        return parse_spark_conf(items)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def spark_options(command: F) -> F:
    """``--master`` and ``--spark-conf KEY=VALUE`` (repeatable; a ``dict`` named
    ``spark_conf``): the commands with ``--engine spark``."""
    return options(
        click.option(
            "--master",
            default="local[2]",
            show_default=True,
            help="Spark master for --engine spark: local[N], spark://HOST:PORT, yarn, k8s://...",
        ),
        click.option(
            "--spark-conf",
            "spark_conf",
            multiple=True,
            metavar="KEY=VALUE",
            callback=_spark_conf,
            help="A Spark setting for --engine spark, as spark-submit --conf takes it "
            "(repeatable), e.g. spark.driver.memory=4g.",
        ),
    )(command)


def records_by_name(
    inputs: tuple[str, ...], jsonl: bool, skip_bad: bool, output: str | None = None
) -> bool:
    """Whether ``convert``/``fix`` read records: with ``--jsonl``, or when every input
    is a file named as records (``.jsonl``, ``.ndjson``, ``.json``, also compressed, or
    ``.parquet``).  A record file among text inputs, ``--skip-bad`` for text (which has
    no records to reject) or Parquet output of text is a usage error rather than a run
    that treats records as prose."""
    files = [name for name in inputs if name != "-" and not os.path.isdir(name)]
    named = [name for name in files if input_kind(name) in ("jsonl", "parquet")]
    if not jsonl and named:
        if len(named) < len(inputs):
            raise click.UsageError(
                f"{named[0]} holds records but other inputs are text: pass --jsonl to read "
                "every input as records, or give them to separate runs"
            )
        jsonl = True
    if skip_bad and not jsonl:
        raise click.UsageError(
            "--skip-bad rejects bad records: pass --jsonl (for text inputs, "
            "--errors replace substitutes undecodable bytes)"
        )
    if not jsonl and write_format(output) == "parquet":
        raise click.UsageError(f"{output}: Parquet output holds records: pass --jsonl")
    return jsonl


def _records_by_name(command: F) -> F:
    @functools.wraps(command)
    def decided(*args: Any, **kwargs: Any) -> Any:
        kwargs["jsonl"] = records_by_name(
            kwargs["inputs"], kwargs["jsonl"], kwargs["skip_bad"], kwargs["output"]
        )
        return command(*args, **kwargs)

    return decided  # type: ignore[return-value]


def record_stream_options(verb: str) -> Callable[[F], F]:
    """INPUTS (and ``-i``), -o, --jsonl/--text-field, --errors, --encoding,
    --skip-bad/--rejects, --quiet: the commands that stream text files or JSONL records
    to an output (``convert``, ``fix``).  Inputs named as JSONL are read as records
    without ``--jsonl`` (:func:`records_by_name`)."""
    return options(
        click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True)),
        input_option,
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, allow_dash=True),
            help="Output file (default stdout). Written atomically: it appears only on success.",
        ),
        click.option(
            "--jsonl",
            is_flag=True,
            help=f"Inputs are records; {verb} one field per record (implied when every input "
            "is named .jsonl/.ndjson/.json, also compressed, or .parquet). The output is "
            "JSONL, or Parquet for -o *.parquet.",
        ),
        text_field_option(f"Field to {verb} with --jsonl."),
        errors_option(
            "Undecodable input bytes: fail with file and byte offset, or substitute U+FFFD."
        ),
        encoding_option(),
        skip_bad_options(
            "With --jsonl: reject bad lines instead of failing.",
            "Where --skip-bad writes rejected lines (default OUTPUT.rejects.jsonl).",
        ),
        quiet_option(),
        _records_by_name,
    )


def record_options(command: F) -> F:
    """INPUTS, --text-field, --id-field, --errors, --encoding, --skip-bad/--rejects,
    --quiet, --key: the commands that read whole record sets (``paragraphs``, ``reuse``)."""
    return options(
        click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True)),
        text_field_option(),
        id_field_option(),
        errors_option(),
        encoding_option(),
        skip_bad_options(),
        quiet_option(),
        key_option,
    )(command)


def passage_options(command: F) -> F:
    """--min-len and --threshold of a passage, defaulting to :class:`.AlignOptions`
    (imported here, when ``align`` or ``reuse`` is loaded, not with every command)."""
    from ..textreuse.alignment import AlignOptions

    return options(
        click.option(
            "--min-len",
            type=click.IntRange(min=1),
            default=AlignOptions.min_len,
            show_default=True,
            help="Shared key characters a passage needs on each side.",
        ),
        click.option(
            "--threshold",
            type=click.FloatRange(0.0, 1.0),
            default=AlignOptions.threshold,
            show_default=True,
            help="Minimum passage score (share of both spans covered by exact matches).",
        ),
    )(command)
