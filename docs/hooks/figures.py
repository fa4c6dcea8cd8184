"""mkdocs hook: the site's figures, drawn from zhnorm itself and from the benchmark results
every time the site is built (nothing drawn by hand, no image committed).

* ``figures/lsh-s-curve.svg`` - the probability that LSH proposes a pair, against its
  Jaccard similarity, for the banding :func:`zhnorm.neardup.lsh.lsh_bands` chooses at the
  default threshold and number of permutations, and for the banding datasketch's default
  weights (0.5 / 0.5) give - computed by the same ``lsh_bands`` with those weights.
* ``figures/dedup-similarities.svg`` - the exact similarities of the pairs a default
  :func:`zhnorm.dedup` run merges, and of the near-misses it keeps apart (pairs at 0.3 or
  more found by a second run at ``threshold=0.3``), on a corpus the build makes itself:
  :func:`zhnorm.neardup.synthetic.make_corpus` over the two documents in ``seeds/``.
* ``figures/bench-*.svg`` - zhnorm against the anchors, read from the tables the
  benchmark scripts write into ``docs/benchmarks.md`` (each between its
  ``<!-- bench_NAME:start -->`` / ``:end -->`` markers): a table that no longer has the
  rows or columns a chart reads is an error naming it, so the build fails instead of
  drawing a stale or empty chart.

``on_files`` adds the figures to the build as generated files; run this file with a
folder (``python docs/hooks/figures.py build/figures``) to write them there.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1]
REPO = DOCS.parent
CORPUS_DOCS = 400
CORPUS_SEED = 19
NEAR_MISS_FLOOR = 0.3
ZHNORM_COLOUR, ANCHOR_COLOURS = "#c0392b", ("#34495e", "#95a5a6")


# --- the benchmark tables -------------------------------------------------------------


def bench_section(name: str, text: str | None = None) -> str:
    """The section benchmark script ``name`` wrote into ``docs/benchmarks.md``."""
    text = (DOCS / "benchmarks.md").read_text("utf-8") if text is None else text
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    if match is None:
        raise ValueError(f"docs/benchmarks.md has no section of {name} (no {name}:start/end)")
    return match.group(1)


def markdown_table(section: str, first_header: str) -> list[dict[str, str]]:
    """The rows (header -> cell) of the Markdown table in ``section`` whose first header
    cell is ``first_header``."""
    lines = section.splitlines()
    for at, line in enumerate(lines):
        cells = _cells(line)
        if cells and cells[0] == first_header and at + 1 < len(lines):
            rows = []
            for row in lines[at + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(cells, _cells(row), strict=False)))
            return rows
    raise ValueError(f"no table with first column {first_header!r} in the section")


def _cells(line: str) -> list[str]:
    if not line.startswith("|"):
        return []
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def number(cell: str) -> float | None:
    """``'13,177'`` -> 13177.0, ``'**0.994**'`` -> 0.994; ``None`` for a cell that is not
    one number (``'—'``, ``'2.8 s / 346'``)."""
    cleaned = cell.replace("*", "").replace(",", "").strip()
    try:
        return float(cleaned)
    except ValueError:
        return None


def _pick(rows: list[dict[str, str]], column: str, pattern: str) -> list[dict[str, str]]:
    found = [row for row in rows if re.search(pattern, row.get(column, ""))]
    if not found:
        raise ValueError(f"no row whose {column!r} matches {pattern!r}")
    return found


# --- drawing --------------------------------------------------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.hashsalt": "zhnorm",  # the same figure gives the same file
            "svg.fonttype": "none",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def _svg(figure: Any) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(figure)
    return out.getvalue()


def lsh_s_curve() -> str:
    """The S-curves of zhnorm's banding and of datasketch's default one."""
    import numpy as np

    from zhnorm.neardup.lsh import collision_probability, lsh_bands
    from zhnorm.neardup.params import DEFAULT_THRESHOLD, MinHashParams

    plt = _pyplot()
    num_perm, threshold = MinHashParams().num_perm, DEFAULT_THRESHOLD
    ours = lsh_bands(threshold, num_perm)
    theirs = lsh_bands(threshold, num_perm, fp_weight=0.5, fn_weight=0.5)
    grid = np.linspace(0.0, 1.0, 401)
    figure, axes = plt.subplots(figsize=(6.4, 3.8))
    for (bands, rows), label, colour in (
        (ours, "zhnorm (weights 0.02 / 0.98)", ZHNORM_COLOUR),
        (theirs, "datasketch default (0.5 / 0.5)", ANCHOR_COLOURS[0]),
    ):
        curve = [collision_probability(float(s), bands, rows) for s in grid]
        at = collision_probability(threshold, bands, rows)
        axes.plot(grid, curve, color=colour, lw=2, label=f"{label}: {bands} x {rows}")
        axes.plot([threshold], [at], "o", color=colour)
        offset = (10, -18) if at > 0.9 else (8, -4)  # below the flat top of the curve
        axes.annotate(
            f"P({threshold}) = {at:.2f}", (threshold, at), offset, textcoords="offset points"
        )
    axes.axvline(threshold, color="#7f8c8d", ls="--", lw=1)
    axes.set(
        xlabel="Jaccard similarity of the pair",
        ylabel="P(pair is a candidate)",
        title=f"LSH banding at threshold {threshold}, {num_perm} permutations",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    axes.legend(loc="upper left", frameon=False)
    return _svg(figure)


def dedup_pair_similarities() -> tuple[list[float], list[float]]:
    """Exact similarities of the pairs a default dedup run merges, and of the pairs of
    ``NEAR_MISS_FLOOR`` or more it keeps apart, on the synthetic corpus from ``seeds/``."""
    from zhnorm.neardup.api import dedup
    from zhnorm.neardup.params import DEFAULT_THRESHOLD
    from zhnorm.neardup.synthetic import make_corpus

    seeds = [path.read_text("utf-8") for path in sorted((REPO / "seeds").glob("*.txt"))]
    corpus = make_corpus(seeds, CORPUS_DOCS, seed=CORPUS_SEED, doc_chars=400)
    merged = [pair.exact for pair in dedup(corpus.texts).pairs]
    wide = dedup(corpus.texts, threshold=NEAR_MISS_FLOOR).pairs
    kept_apart = [pair.exact for pair in wide if pair.exact < DEFAULT_THRESHOLD]
    return merged, kept_apart


def dedup_histogram() -> str:
    """Histogram of :func:`dedup_pair_similarities`."""
    from zhnorm.neardup.params import DEFAULT_THRESHOLD

    plt = _pyplot()
    merged, kept_apart = dedup_pair_similarities()
    figure, axes = plt.subplots(figsize=(6.4, 3.6))
    bins = [NEAR_MISS_FLOOR + i * 0.025 for i in range(round((1.0 - NEAR_MISS_FLOOR) / 0.025) + 1)]
    axes.hist(
        [kept_apart, merged],
        bins=bins,
        stacked=True,
        color=[ANCHOR_COLOURS[1], ZHNORM_COLOUR],
        label=[
            f"kept apart: {len(kept_apart)} pairs",
            f"merged (a duplicate removed): {len(merged)} pairs",
        ],
    )
    axes.axvline(DEFAULT_THRESHOLD, color="#2c3e50", ls="--", lw=1)
    axes.set(
        xlabel="exact Jaccard similarity of the pair (character bigrams of the matching key)",
        ylabel="pairs",
        title=f"dedup at {DEFAULT_THRESHOLD}: {CORPUS_DOCS} documents made from seeds/",
    )
    axes.legend(loc="upper center", frameon=False)
    return _svg(figure)


def _value(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.4g}"


def _grouped_bars(
    labels: list[str],
    series: dict[str, list[float | None]],
    xlabel: str,
    title: str,
    log: bool,
    colours: tuple[str, ...] = (ZHNORM_COLOUR, *ANCHOR_COLOURS),
) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.2, 0.55 * len(labels) * len(series) ** 0.5 + 1.4))
    height = 0.8 / len(series)
    for k, (name, values) in enumerate(series.items()):
        ys = [i + (k - (len(series) - 1) / 2) * height for i in range(len(labels))]
        present = [(y, v) for y, v in zip(ys, values, strict=True) if v is not None]
        axes.barh(
            [y for y, _ in present],
            [v for _, v in present],
            height=height,
            color=colours[k],
            label=name,
        )
        for y, v in present:
            axes.annotate(_value(v), (v, y), (3, 0), textcoords="offset points", va="center")
    axes.set_yticks(range(len(labels)), labels)
    axes.invert_yaxis()
    if log:
        axes.set_xscale("log")
    axes.set_xlabel(xlabel)
    axes.set_title(title, pad=24)
    axes.margins(x=0.12)
    axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(series), frameon=False)
    return _svg(figure)


def _short(metric: str) -> str:
    """A table row's label without its unit and parenthesised detail."""
    metric = re.sub(r",? ?(M chars/s|docs/s)$", "", metric)
    return re.sub(r" \([^)]*\)", "", metric).replace("`", "").strip()


def bench_conversion(text: str | None = None) -> str:
    """Conversion throughput of zhnorm, OpenCC's binding and ocpr (bench_convert.py)."""
    rows = markdown_table(bench_section("bench_convert", text), "Metric")
    rows = [
        row for row in _pick(rows, "Metric", r"M chars/s$") if number(row["official"]) is not None
    ]
    return _grouped_bars(
        [_short(row["Metric"]) for row in rows],
        {
            "zhnorm": [number(row["zhnorm"]) for row in rows],
            "OpenCC (official binding)": [number(row["official"]) for row in rows],
            "opencc-python-reimplemented": [number(row["ocpr"]) for row in rows],
        },
        "million characters per second (log scale)",
        "Conversion throughput (bench_convert.py)",
        log=True,
    )


def bench_dedup(text: str | None = None) -> str:
    """MinHash sketching speed of zhnorm and datasketch (bench_dedup.py)."""
    rows = markdown_table(bench_section("bench_dedup", text), "Measure")
    rows = [
        row for row in _pick(rows, "Measure", r"docs/s$") if number(row["datasketch"]) is not None
    ]
    return _grouped_bars(
        [_short(row["Measure"]) for row in rows],
        {
            "zhnorm": [number(row["zhnorm"]) for row in rows],
            "datasketch": [number(row["datasketch"]) for row in rows],
        },
        "documents per second (log scale)",
        "MinHash signatures, one process (bench_dedup.py)",
        log=True,
    )


def bench_recall(text: str | None = None) -> str:
    """LSH recall of planted pairs: zhnorm's banding and datasketch's default one."""
    rows = markdown_table(bench_section("bench_dedup", text), "Measure")
    rows = _pick(rows, "Measure", r"^LSH recall")
    labels = [
        re.sub(
            r"LSH recall of planted pairs with (exact J >= [\d.]+) \(([\d,]+) pairs.*",
            r"\1 (\2 pairs)",
            row["Measure"],
        )
        for row in rows
    ]
    return _grouped_bars(
        labels,
        {
            "zhnorm": [number(row["zhnorm"]) for row in rows],
            "datasketch default banding": [number(row["datasketch"]) for row in rows],
        },
        "share of planted duplicate pairs proposed by LSH",
        "LSH recall (bench_dedup.py)",
        log=False,
    )


def bench_startup(text: str | None = None) -> str:
    """Import + first conversion time of zhnorm and the anchors (bench_startup.py)."""
    rows = markdown_table(bench_section("bench_startup", text), "Anchor")
    return _grouped_bars(
        [row["Anchor"] for row in rows],
        {
            "import + first convert, ms": [
                number(row["import + first convert, ms"]) for row in rows
            ],
            "whole process, ms": [number(row["whole process, ms"]) for row in rows],
        },
        "milliseconds (median)",
        "Start-up: a fresh process converting one sentence (bench_startup.py)",
        log=False,
        colours=("#e67e22", "#7f8c8d"),
    )


FIGURES: dict[str, Callable[[], str]] = {
    "figures/lsh-s-curve.svg": lsh_s_curve,
    "figures/dedup-similarities.svg": dedup_histogram,
    "figures/bench-conversion.svg": bench_conversion,
    "figures/bench-dedup.svg": bench_dedup,
    "figures/bench-recall.svg": bench_recall,
    "figures/bench-startup.svg": bench_startup,
}


def on_files(files: Any, config: Any, **kwargs: Any) -> Any:
    from mkdocs.structure.files import File

    for path, draw in FIGURES.items():
        files.append(File.generated(config, path, content=draw()))
    return files


def main(folder: str) -> None:
    out = Path(folder)
    for path, draw in FIGURES.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(draw(), encoding="utf-8")
        print(target)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1] if len(sys.argv) > 1 else "build/figures")
