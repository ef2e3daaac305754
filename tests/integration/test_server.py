"""The local ZenML server's lifecycle through the CLI: up, status, env, down."""

from __future__ import annotations

import json
import os
import stat
import subprocess

from tests.conftest import run_cli
from zenml_tui.server.rest import ZenMLClient


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait for a reaper here)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_server_lifecycle(make_platform) -> None:
    root = make_platform()
    state = root / ".zenml-tui" / "server"
    up = run_cli("server", "up", "--platform", str(root))
    assert up.returncode == 0, up.stderr
    assert "started at http://127.0.0.1:" in up.stdout
    creds = json.loads((state / "credentials.json").read_text())
    assert stat.S_IMODE(os.stat(state / "credentials.json").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    assert (root / ".zenml-tui" / ".gitignore").read_text().strip().endswith("*")
    secrets = (creds["admin_password"], creds["api_key"], creds["jwt_secret"])
    pid = json.loads((state / "server.pid").read_text())["pid"]
    try:
        again = run_cli("server", "up", "--platform", str(root))
        assert again.returncode == 0 and "already running" in again.stdout
        assert json.loads((state / "server.pid").read_text())["pid"] == pid

        status = run_cli("server", "status", "--platform", str(root))
        assert status.returncode == 0
        assert "ZenML 0.98.0, auth OAUTH2_PASSWORD_BEARER" in status.stdout
        assert "1 stacks, 3 components, 0 service connectors" in status.stdout
        as_json = json.loads(run_cli("server", "status", "--json", "--platform", str(root)).stdout)
        assert as_json["running"] and as_json["counts"]["stacks"] == 1

        env = run_cli("server", "env", "--platform", str(root))
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in env.stdout.splitlines()
        )
        assert set(exports) == {
            "ZENML_SERVER_URL",
            "ZENML_API_KEY",
            "ZENML_STORE_URL",
            "ZENML_STORE_API_KEY",
        }
        assert exports["ZENML_API_KEY"] == creds["api_key"] == exports["ZENML_STORE_API_KEY"]
        c = ZenMLClient(exports["ZENML_SERVER_URL"], api_key=exports["ZENML_API_KEY"])
        made = c.post(
            "/components",
            {"name": "kept", "type": "artifact_store", "flavor": "local", "configuration": {}},
        )

        for r in (up, again, status):  # only `server env` prints credentials
            assert not any(s in r.stdout + r.stderr for s in secrets)
        log = (state / "server.log").read_text()
        assert not any(s in log for s in secrets)

        down = run_cli("server", "down", "--platform", str(root))
        assert down.returncode == 0 and "stopped" in down.stdout
        assert not (state / "server.pid").exists()
        assert not running(pid)
        status = run_cli("server", "status", "--platform", str(root))
        assert status.returncode == 1 and "down" in status.stdout

        # warm start: same database and credentials
        warm = run_cli("server", "up", "--platform", str(root))
        assert warm.returncode == 0, warm.stderr
        assert json.loads((state / "credentials.json").read_text())["api_key"] == creds["api_key"]
        url = (
            run_cli("server", "env", "--platform", str(root))
            .stdout.split("ZENML_SERVER_URL=")[1]
            .split()[0]
        )
        c = ZenMLClient(url, api_key=creds["api_key"])
        assert c.get(f"/components/{made['id']}")["name"] == "kept"
    finally:
        run_cli("server", "down", "--platform", str(root))


def test_stale_pid_file_is_handled(make_platform) -> None:
    root = make_platform()
    state = root / ".zenml-tui" / "server"
    state.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (state / "server.pid").write_text(json.dumps({"pid": dead.pid, "port": 1}))
    status = run_cli("server", "status", "--platform", str(root))
    assert status.returncode == 1 and "down" in status.stdout
    assert not (state / "server.pid").exists()
    (state / "server.pid").write_text(json.dumps({"pid": dead.pid, "port": 1}))
    down = run_cli("server", "down", "--platform", str(root))
    assert down.returncode == 0 and "not running" in down.stdout
    assert not (state / "server.pid").exists()


def test_env_when_down_is_a_clear_error(make_platform) -> None:
    r = run_cli("server", "env", "--platform", str(make_platform()))
    assert r.returncode == 1 and "not running" in r.stderr and "Traceback" not in r.stderr


def test_provider_mirror_writes_a_stable_launcher(tmp_path) -> None:
    from zenml_tui.provider.mirror import launcher_path

    r = run_cli("provider", "mirror", str(tmp_path / "plugins"))
    assert r.returncode == 0
    path = launcher_path(tmp_path / "plugins")
    assert path.parts[-6:-2] == ("registry.terraform.io", "zenml-io", "zenml", "3.0.6")
    assert os.access(path, os.X_OK)
    first = path.read_bytes()
    run_cli("provider", "mirror", str(tmp_path / "plugins"))
    assert path.read_bytes() == first
    assert b"-m zenml_tui.provider" in first and len(first.splitlines()) == 3


def test_platform_plugin_dir_is_written_under_state(make_platform) -> None:
    from zenml_tui.platform.definition import load_platform
    from zenml_tui.provider.mirror import launcher_path, plugin_dir_for

    platform, _ = load_platform(make_platform())
    plugins = plugin_dir_for(platform.state_dir)
    assert plugins == platform.state_dir / "plugins"
    assert os.access(launcher_path(plugins), os.X_OK)
