"""datasketch 1.x (the test extra's pin) and 2.x both interoperate with zhnorm.

The 2.x check builds a scratch environment with datasketch 2.x installed into it and this
environment's packages behind it (a ``.pth`` file), so it needs the package index, like
the rest of a fresh machine's set-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SRC = HERE.parent / "src"


def run_interop(python: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)])}
    done = subprocess.run(
        [python, str(HERE / "datasketch_interop.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_installed_datasketch_interoperates() -> None:
    version, status = run_interop(sys.executable).split()
    assert status == "ok" and version.startswith("1.")


@pytest.fixture(scope="session")
def datasketch2_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    where = tmp_path_factory.mktemp("datasketch2")
    venv.EnvBuilder(with_pip=False).create(where)
    python = str(where / "bin" / "python")
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()[name] for name in ("purelib", "platlib")}
    Path(own, "zz-test-environment.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "-q",
            "--disable-pip-version-check",
            "datasketch>=2,<3",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return python


def test_datasketch_2_interoperates(datasketch2_python: str) -> None:
    version, status = run_interop(datasketch2_python).split()
    assert status == "ok" and version.startswith("2.")
