"""``zhnorm align``: the passages two texts share."""

from __future__ import annotations

from collections.abc import Iterator

import click

from ..io import AtomicOutput, check_outputs, dumps_record, read_text
from ..textreuse.alignment import AlignOptions, Passage, align_keys
from ..textreuse.document import doc_key
from ..textreuse.report import render_report
from .options import MIN_LEN, PASSAGE_THRESHOLD, encoding_option, errors_option

__all__ = ["align_command"]


def _describe(number: int, passage: Passage) -> Iterator[str]:
    yield (
        f"#{number}  score {passage.score:.3f}  key chars {passage.length}  "
        f"A[{passage.a_start}:{passage.a_end}]  B[{passage.b_start}:{passage.b_end}]"
    )
    yield f"  A: {passage.a_text}"
    yield f"  B: {passage.b_text}"


@click.command("align")
@click.argument("a_path", metavar="A", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("b_path", metavar="B", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per passage.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Write an HTML report.")
@MIN_LEN
@PASSAGE_THRESHOLD
@errors_option(None)
@encoding_option("Encoding of A and B; auto: detect each (said on stderr).")
def align_command(
    a_path: str,
    b_path: str,
    as_json: bool,
    html_path: str | None,
    min_len: int,
    threshold: float,
    errors: str,
    encoding: str,
) -> None:
    """Passages texts A and B share (text files), in offsets of the original texts:
    matched after repair, script folding (t2s) and width folding, so a Traditional
    page with leaked pinyin aligns with its Simplified source.

    \b
    Examples:
      zhnorm align seeds/000_*.txt seeds/001_*.txt
      zhnorm align a.txt b.txt --json --html report.html
    """
    if a_path == "-" and b_path == "-":
        raise click.UsageError("only one of A and B can be stdin")
    check_outputs([a_path, b_path], [html_path])
    a_text = read_text(a_path, errors, encoding=encoding)
    b_text = read_text(b_path, errors, encoding=encoding)
    options = AlignOptions(min_len=min_len, threshold=threshold)
    passages = align_keys(doc_key(a_text), doc_key(b_text), options, a_id=a_path, b_id=b_path)
    for number, passage in enumerate(passages):
        if as_json:
            click.echo(dumps_record(passage.to_dict()), nl=False)
        else:
            for line in _describe(number, passage):
                click.echo(line)
    if html_path:
        docs = {a_path: a_text, b_path: b_text}
        with AtomicOutput(html_path) as page:
            page.write(render_report(docs, passages, title="zhnorm align"))
    if not as_json:
        click.echo(
            f"{len(passages)} shared passages" + (f"; report: {html_path}" if html_path else ""),
            err=True,
        )
