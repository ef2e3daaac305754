"""The local server's lifecycle under faults (part of the fault suite, tests/README.md):
two first starts at once, a copied platform, a revoked API key, the server killed while
the app runs. Real servers, started by the real CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.integration.faults import processes, wait_for
from tests.tfharness import restore_environ, set_environ, terraform_environment
from zenml_tui.bundled import example_platform
from zenml_tui.server.rest import ZenMLClient


@pytest.fixture
def platform(tmp_path: Path):
    root = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), root, ignore=shutil.ignore_patterns(".zenml-tui"))
    saved = set_environ(terraform_environment(tmp_path))
    try:
        yield root
    finally:
        run_cli("server", "down", "--platform", str(root))
        restore_environ(saved)


def _servers_of(root: Path) -> list[int]:
    """zen_server_api processes working on this platform's server files."""
    out = []
    for pid in processes(lambda c: "zen_server_api" in c):
        try:
            if os.readlink(f"/proc/{pid}/cwd") == str(root / ".zenml-tui" / "server"):
                out.append(pid)
        except OSError:
            continue
    return out


def test_two_first_starts_at_once_make_one_server(platform: Path) -> None:
    cmd = [sys.executable, "-m", "zenml_tui", "server", "up", "--platform", str(platform)]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=180) for p in (first, second)]
    assert first.returncode == second.returncode == 0, outs
    said = sorted("started" if " started at " in out else "already running" for out, _ in outs)
    assert said == ["already running", "started"], outs
    assert len(_servers_of(platform)) == 1
    again = run_cli("server", "up", "--platform", str(platform))
    assert "already running" in again.stdout and len(_servers_of(platform)) == 1
    assert run_cli("server", "down", "--platform", str(platform)).stdout.strip() == "stopped"
    assert wait_for(lambda: _servers_of(platform) == [], 10)


def test_a_copied_platform_gets_its_own_server(platform: Path, tmp_path: Path) -> None:
    assert run_cli("server", "up", "--platform", str(platform)).returncode == 0
    (original,) = _servers_of(platform)
    copy = tmp_path / "copy"
    shutil.copytree(platform, copy)
    try:
        status = run_cli("server", "status", "--platform", str(copy))
        assert status.returncode == 1 and status.stdout.startswith("down"), status.stdout
        down = run_cli("server", "down", "--platform", str(copy))
        assert down.stdout.strip() == "not running"
        assert os.path.exists(f"/proc/{original}")  # the original's server was left alone
        up = run_cli("server", "up", "--platform", str(copy))
        assert up.returncode == 0 and " started at " in up.stdout, up.stdout + up.stderr
        assert len(_servers_of(copy)) == 1 and _servers_of(platform) == [original]
        ports = {
            json.loads((root / ".zenml-tui" / "server" / "server.pid").read_text())["port"]
            for root in (platform, copy)
        }
        assert len(ports) == 2
    finally:
        run_cli("server", "down", "--platform", str(copy))
    assert _servers_of(platform) == [original]


def _revoke_the_key(root: Path) -> None:
    creds = json.loads((root / ".zenml-tui" / "server" / "credentials.json").read_text())
    pid = json.loads((root / ".zenml-tui" / "server" / "server.pid").read_text())
    admin = ZenMLClient(f"http://127.0.0.1:{pid['port']}")
    admin.login_with_password("admin", creds["admin_password"])
    account = creds["service_account_id"]
    for key in admin.list_all(f"/service_accounts/{account}/api_keys"):
        admin.delete(f"/service_accounts/{account}/api_keys/{key['id']}")


def test_a_revoked_key_is_named_and_server_up_repairs_it(platform: Path) -> None:
    assert run_cli("server", "up", "--platform", str(platform)).returncode == 0
    assert run_cli("status", "--env", "local", "--platform", str(platform)).returncode == 0
    _revoke_the_key(platform)
    status = run_cli("server", "status", "--platform", str(platform))
    assert status.returncode == 1
    assert status.stderr.strip() == (
        "zenml-tui: the local ZenML server refuses the platform's API key; "
        "issue a new one: zenml-tui server up"
    )
    plan = run_cli("plan", "--env", "local", "--platform", str(platform))
    assert plan.returncode == 1
    (line,) = plan.stderr.splitlines()
    assert re.fullmatch(
        r"zenml-tui: the ZenML server at http://127\.0\.0\.1:\d+ refuses the credentials of "
        r"'local'; issue a new API key for the platform's local server: zenml-tui server up",
        line,
    ), line
    up = run_cli("server", "up", "--platform", str(platform))
    assert up.returncode == 0 and "already running" in up.stdout
    assert run_cli("server", "status", "--platform", str(platform)).returncode == 0
    plan = run_cli("plan", "--env", "local", "--platform", str(platform))
    assert plan.returncode == 0, plan.stderr


async def test_the_server_killed_while_the_app_runs_is_started_again(platform: Path) -> None:
    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.widgets.plan_pane import PlanPane

    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        topbar = app.query_one("#topbar")

        async def until(condition, timeout: float = 90.0) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                assert time.monotonic() < deadline, str(topbar.render())
                await pilot.pause(0.1)

        await until(lambda: "connected" in str(topbar.render()))
        (first,) = _servers_of(platform)
        os.kill(first, signal.SIGKILL)
        await until(lambda: "connected" not in str(topbar.render()), 30)
        await until(lambda: "connected" in str(topbar.render()))
        (second,) = _servers_of(platform)
        assert second != first
        plan = app.query_one(PlanPane)
        await pilot.press("f5")
        await until(lambda: app.running is None and plan.run is not None)
        assert plan.model is not None and plan.model.counts["create"] == 14
