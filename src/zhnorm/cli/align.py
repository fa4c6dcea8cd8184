"""``zhnorm align``: the passages two texts share."""

from __future__ import annotations

from collections.abc import Iterator

import click

from ..io import (
    AtomicOutput,
    BadRecord,
    RunCounts,
    check_outputs,
    dumps_record,
    rejects_for,
    text_documents,
)
from ..textreuse.alignment import AlignOptions, Passage, align_keys
from ..textreuse.document import doc_key
from ..textreuse.report import render_report
from .options import (
    encoding_option,
    errors_option,
    finish,
    passage_options,
    quiet_option,
    skip_bad_options,
)

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
@passage_options
@errors_option(None)
@encoding_option("Encoding of A and B; auto: detect each (said on stderr).")
@skip_bad_options(
    "An undecodable A or B goes to the rejects file (nothing is aligned) instead of failing.",
    "Where --skip-bad writes A or B when rejected (default HTML.rejects.jsonl, "
    "else zhnorm.rejects.jsonl).",
)
@quiet_option()
def align_command(
    a_path: str,
    b_path: str,
    as_json: bool,
    html_path: str | None,
    min_len: int,
    threshold: float,
    errors: str,
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
) -> None:
    """Passages texts A and B share (text files, also compressed; - is stdin), in offsets
    of the original texts:
    matched after repair, script folding (t2s) and width folding, so a Traditional
    page with leaked pinyin aligns with its Simplified source.

    \b
    Examples:
      zhnorm align seeds/000_*.txt seeds/001_*.txt
      zhnorm align a.txt b.txt --json --html report.html
    """
    if a_path == "-" and b_path == "-":
        raise click.UsageError("only one of A and B can be stdin")
    bad = rejects_for(skip_bad, html_path, rejects)
    check_outputs([a_path, b_path], [html_path, bad.path])
    counts = RunCounts("align", rejects_path=bad.path)
    texts: list[tuple[str, str]] = []
    with bad:
        for item in text_documents([a_path, b_path], errors=errors, encoding=encoding):
            counts.read += 1
            if isinstance(item, BadRecord):
                bad.add(item)
                counts.rejected += 1
            else:
                texts.append((item.id, item.text))
        counts.written = len(texts)
        if len(texts) == 2:
            _align(texts, as_json, html_path, counts, AlignOptions(min_len, threshold))
    counts.check()
    finish(counts)


def _align(
    texts: list[tuple[str, str]],
    as_json: bool,
    html_path: str | None,
    counts: RunCounts,
    options: AlignOptions,
) -> None:
    (a_id, a_text), (b_id, b_text) = texts
    passages = align_keys(doc_key(a_text), doc_key(b_text), options, a_id=a_id, b_id=b_id)
    for number, passage in enumerate(passages):
        if as_json:
            click.echo(dumps_record(passage.to_dict()), nl=False)
        else:
            for line in _describe(number, passage):
                click.echo(line)
    if html_path:
        with AtomicOutput(html_path) as page:
            page.write(render_report(dict(texts), passages, title="zhnorm align"))
    counts.notes.append(f"{len(passages)} shared passages")
    if html_path:
        counts.notes.append(f"report: {html_path}")
