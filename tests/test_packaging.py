"""The release artefacts as a user meets them (tools/dist.py): sdist and wheel built, the
wheel repaired to a manylinux tag, installed in a fresh environment away from the
checkout and smoke-tested there.  Needs the package index, like a fresh machine's set-up."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="auditwheel repairs Linux wheels")
def test_sdist_and_manylinux_wheel_install_and_run(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "dist.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("repaired to zhnorm-") and "manylinux_2_17_x86_64" in lines[1]
    assert lines[2].endswith("compiled kernels in use)")
    (sdist,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert not any(".venv" in name or name.endswith(".so") for name in names)


def test_cibuildwheel_covers_every_platform_and_python() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    wheels = config["tool"]["cibuildwheel"]
    assert wheels["build"].split() == [f"cp3{minor}-*" for minor in range(10, 15)]
    assert wheels["linux"]["archs"] == ["x86_64", "aarch64"]
    assert wheels["macos"]["archs"] == ["x86_64", "arm64"]
    classifiers = config["project"]["classifiers"]
    for minor in range(10, 15):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    workflow = (ROOT / ".github" / "workflows" / "wheels.yml").read_text("utf-8")
    assert "pypa/cibuildwheel" in workflow and "id-token: write" in workflow
    assert "windows" in workflow and "macos-14" in workflow
