"""Failures that used to end in "internal error", each now one line that says what
failed and what to do, exit 1; and the README's headless line, run as written. A real
local ZenML server (stopped with SIGSTOP to hang it), real Terraform, a real full disk."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, fill, run_cli, small_filesystem
from tests.tfharness import restore_environ, set_environ, terraform_environment
from zenml_tui.bundled import example_platform


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("failures") / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    saved = set_environ(terraform_environment(root.parent))
    try:
        yield root
    finally:
        run_cli("server", "down", "--platform", str(root))
        restore_environ(saved)


def _server_pid(root: Path) -> int:
    import json

    return int(json.loads((root / ".zenml-tui" / "server" / "server.pid").read_text())["pid"])


def test_the_readme_headless_line_plans_and_applies_local(platform: Path) -> None:
    """Copied from the README, with `.venv/bin/zenml-tui` as this interpreter's module,
    run by a shell in the platform's directory."""
    readme = (REPO / "README.md").read_text()
    (line,) = [
        ln.strip()
        for ln in readme.splitlines()
        if "zenml-tui plan --env local &&" in ln and "apply --env local" in ln
    ]
    command = line.replace(".venv/bin/zenml-tui", f"{sys.executable} -m zenml_tui")
    r = subprocess.run(
        ["bash", "-c", command], cwd=platform, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "14 to create" in r.stdout
    assert re.search(
        r"^apply run \S+: applied\. Apply complete! Resources: 14 added", r.stdout, re.M
    )
    assert "apply it: zenml-tui apply --env local" in r.stdout  # the plan had changes
    # the first plan started the local server and said so, with how long it took
    assert re.search(
        r"^  starting the local ZenML server for local…\n"
        r"  the local ZenML server is ready \(\d+\.\d s\)$",
        r.stderr,
        re.M,
    ), r.stderr
    again = run_cli("plan", "--env", "local", "--detailed-exitcode", cwd=platform)
    assert again.returncode == 0, again.stdout + again.stderr  # nothing left to do
    assert "starting the local ZenML server" not in again.stderr  # it was running
    # a plan with nothing to do does not suggest applying it
    assert "apply it" not in again.stdout and "nothing to apply" in again.stdout


def test_a_hung_server_during_the_flavor_fetch_is_one_line(platform: Path) -> None:
    assert run_cli("status", "--env", "local", "--platform", str(platform)).returncode == 0
    pid = _server_pid(platform)
    os.kill(pid, signal.SIGSTOP)
    try:
        r = run_cli(
            "plan",
            "--env",
            "local",
            "--platform",
            str(platform),
            env={"ZENML_TUI_SERVER_TIMEOUT": "2"},
        )
    finally:
        os.kill(pid, signal.SIGCONT)
    assert r.returncode == 1, r.stdout + r.stderr
    (line,) = r.stderr.splitlines()
    assert re.fullmatch(
        r"zenml-tui: GET /api/v1/info: the ZenML server at http://127\.0\.0\.1:\d+ did not "
        r"answer within 2 s; check the server: zenml-tui server status",
        line,
    ), line
    assert run_cli("status", "--env", "local", "--platform", str(platform)).returncode == 0


def test_a_full_disk_before_a_plan_is_one_line_and_leaves_no_half_run(platform: Path) -> None:
    runs = platform / ".zenml-tui" / "runs"
    kept = sorted(p.name for p in runs.iterdir())
    shutil.move(runs, platform / "runs-aside")
    try:
        with small_filesystem(runs, size="64k"):
            fill(runs)
            r = run_cli("plan", "--env", "local", "--platform", str(platform))
            left = sorted(p.name for p in runs.iterdir() if not p.name.startswith("filler"))
            half = [p for d in runs.iterdir() if d.is_dir() for p in d.iterdir()]
    finally:
        runs.rmdir()
        shutil.move(platform / "runs-aside", runs)
    assert r.returncode == 1, r.stdout + r.stderr
    (line,) = r.stderr.splitlines()
    assert re.fullmatch(
        r"zenml-tui: cannot plan local \(\S+/runs/\S+-plan-\w+/run\.json\): No space left on "
        r"device; free some space on that disk and try again",
        line,
    ), line
    assert half == []  # no run.json, no temporary file: the history does not show it
    assert len(left) <= 1
    assert sorted(p.name for p in runs.iterdir()) == kept
    history = run_cli("runs", "--env", "local", "--platform", str(platform))
    kinds = [line.split()[1] for line in history.stdout.splitlines()]
    assert history.returncode == 0 and kinds.count("plan") == 2  # the README's, the check
