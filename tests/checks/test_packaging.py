"""The example platform and the modules are found from an installed wheel, not only from
a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_wheel_bundles_example_and_modules(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    (wheel,) = out.glob("zenml_tui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "zenml_tui/_bundled/examples/acme-ml/platform.yaml" in names
    assert "zenml_tui/_bundled/modules/platform/variables.tf" in names
    shipped = {n.removeprefix("zenml_tui/_bundled/modules/") for n in names if n.endswith(".tf")}
    assert shipped == {
        str(p.relative_to(REPO / "modules")) for p in (REPO / "modules").rglob("*.tf")
    }
    assert not any(".zenml-tui" in n or "__pycache__" in n for n in names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    for p in site.rglob("*"):  # an installed package is read-only for users
        p.chmod(p.stat().st_mode & ~0o222)
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_DATA_HOME": str(tmp_path / "data")}
    code = (
        "import zenml_tui.bundled as r\n"
        "from zenml_tui.ops.session import open_session\n"
        "from zenml_tui.ops.config import validate\n"
        "print(r.example_platform()); print(r.root_module())\n"
        "s = open_session(None); assert validate(s) == []\n"
        "print(s.platform.state_dir)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    example, module, state = r.stdout.splitlines()
    assert example.startswith(str(site)) and "_bundled" in example
    assert module.startswith(str(site)) and module.endswith("_bundled/modules/platform")
    assert state.startswith(str(tmp_path / "data" / "zenml-tui"))
