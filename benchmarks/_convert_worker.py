"""Child process of ``bench_convert.py``; runs under the project venv or the ocpr venv.

Two modes, each in a fresh interpreter:

``cold MODULE CONFIG SAMPLE``
    Time ``import MODULE`` + building a converter + converting ``SAMPLE`` once, then
    print ``{"seconds": ..., "peak_rss_kib": ...}``.  Only ``sys``, ``time`` and
    ``resource`` are imported before the clock starts, so no library gets modules
    preloaded for free.

``serve MODULE CONFIG DOCS_JSON``
    Load the converter and the documents (a JSON list of strings; the single-text
    task converts them joined with ``"\\n"``), then answer one JSON request per stdin
    line with one JSON reply per stdout line, until stdin closes.  Requests:

    * ``{"op": "hello"}`` -> the module's file and distribution version;
    * ``{"op": "dump", "task": "text"|"docs", "workers": N, "path": P}`` -> convert
      once and write the output to ``P`` (UTF-8 text, or a JSON list for ``docs``);
    * ``{"op": "run", "task": "text"|"docs", "workers": N}`` -> ``{"seconds": ...}``;
    * ``{"op": "stats"}`` -> ``{"peak_rss_kib": ...}`` (see :func:`peak_rss_kib`).

MODULE is ``zhnorm`` (``zhnorm.Converter``), ``opencc`` (``opencc.OpenCC``; the official
binding or opencc-python-reimplemented, whichever the interpreter has) or ``zhconv_rs``
(``zhconv_rs.zhconv`` with the target variant nearest the OpenCC configuration:
``zh-hant`` for s2t, ``zh-hans`` for t2s; its rules are MediaWiki's, so its output differs).
"""

from __future__ import annotations

import resource
import sys
import time

# Stands in for ``typing.TYPE_CHECKING`` without importing ``typing`` before the
# cold-start clock (type checkers treat any ``TYPE_CHECKING`` name as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MODULES = ("zhnorm", "opencc", "zhconv_rs")
ZHCONV_TARGETS = {"s2t": "zh-hant", "t2s": "zh-hans"}


class _CallableConverter:
    """A ``convert`` method over a plain conversion function."""

    def __init__(self, function: Any) -> None:
        self.convert = function


def open_converter(module: str, config: str) -> Any:
    """Import ``module`` and build its converter for ``config`` (e.g. ``"s2t"``)."""
    if module == "zhnorm":
        import zhnorm

        return zhnorm.Converter(config)
    if module == "opencc":
        import opencc

        return opencc.OpenCC(config)
    if module == "zhconv_rs":
        import zhconv_rs

        target = ZHCONV_TARGETS[config]
        return _CallableConverter(lambda text: zhconv_rs.zhconv(text, target))
    raise ValueError(f"unknown module {module!r}; expected one of {MODULES}")


def peak_rss_kib() -> int:
    """Peak resident set size of this process, in KiB.

    Linux's ``VmHWM`` counts this program only.  ``ru_maxrss`` is the fallback: on
    Linux it also keeps the RSS that the forking parent had when this process was
    spawned (its memory map before ``exec``), a floor that would hide small footprints.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])  # "VmHWM:   12345 kB"
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cold_start(module: str, config: str, sample: str) -> None:
    start = time.perf_counter()
    converter = open_converter(module, config)
    converter.convert(sample)
    seconds = time.perf_counter() - start
    rss = peak_rss_kib()

    import json

    print(json.dumps({"seconds": seconds, "peak_rss_kib": rss}))


def convert_docs(module: str, converter: Any, docs: list[str], workers: int) -> list[str]:
    if module == "zhnorm":
        result: list[str] = converter.convert_batch(docs, workers=workers)
        return result
    if workers != 1:
        raise ValueError(f"{module} has no batch API; only workers=1 is measured")
    return [converter.convert(doc) for doc in docs]


def serve(module: str, config: str, docs_path: str) -> None:
    import importlib.metadata
    import json
    from pathlib import Path

    docs: list[str] = json.loads(Path(docs_path).read_text(encoding="utf-8"))
    text = "\n".join(docs)
    converter = open_converter(module, config)

    def convert(task: str, workers: int) -> str | list[str]:
        if task == "text":
            converted: str = converter.convert(text)
            return converted
        if task == "docs":
            return convert_docs(module, converter, docs, workers)
        raise ValueError(f"unknown task {task!r}")

    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        reply: dict[str, object]
        if op == "hello":
            distribution = module.replace("_", "-")  # zhnorm, zhconv-rs
            if module == "opencc":
                distribution = _opencc_distribution()
            reply = {
                "file": sys.modules[module].__file__,
                "distribution": distribution,
                "version": importlib.metadata.version(distribution),
            }
        elif op == "dump":
            output = convert(request["task"], request["workers"])
            path = Path(request["path"])
            if isinstance(output, str):
                path.write_bytes(output.encode("utf-8"))
            else:
                path.write_text(json.dumps(output, ensure_ascii=False), encoding="utf-8")
            reply = {}
        elif op == "run":
            start = time.perf_counter()
            convert(request["task"], request["workers"])
            reply = {"seconds": time.perf_counter() - start}
        elif op == "stats":
            reply = {"peak_rss_kib": peak_rss_kib()}
        else:
            raise ValueError(f"unknown op {op!r}")
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def _opencc_distribution() -> str:
    """Which distribution provides the ``opencc`` module in this interpreter."""
    import importlib.metadata

    owners = importlib.metadata.packages_distributions().get("opencc", [])
    if len(owners) != 1:
        raise RuntimeError(f"expected one distribution providing 'opencc', found {owners}")
    return owners[0]


def main(argv: list[str]) -> None:
    if len(argv) != 4 or argv[0] not in ("cold", "serve"):
        raise SystemExit(__doc__)
    mode, module, config, argument = argv
    if mode == "cold":
        cold_start(module, config, argument)
    else:
        serve(module, config, argument)


if __name__ == "__main__":
    main(sys.argv[1:])
