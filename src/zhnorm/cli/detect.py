"""``zhnorm detect``: the script of each input."""

from __future__ import annotations

import json

import click

from ..io import text_inputs
from ..script import detect_script
from .options import errors_option

__all__ = ["detect"]


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input.")
@errors_option(None)
def detect(inputs: tuple[str, ...], as_json: bool, errors: str) -> None:
    """Detect the script (simplified / traditional / mixed / none) of each input."""
    for name, chunks in text_inputs(inputs, errors):
        report = detect_script("".join(chunks))
        if as_json:
            click.echo(json.dumps({"input": name, **report.to_dict()}, ensure_ascii=False))
        else:
            click.echo(
                f"{name}\t{report.script}\tsimplified-only={report.simplified}"
                f"\ttraditional-only={report.traditional}\than={report.han}"
                f"\tconfidence={report.confidence:.3f}"
            )
