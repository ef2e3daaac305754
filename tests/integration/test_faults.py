"""The fault suite (tests/README.md lists it): runs interrupted, killed or failing in
every phase, against a real ZenML server (behind a proxy that slows or hangs it), real
Terraform and the bundled provider. After each: nothing of this platform on the server
is missing from the state once zenml-tui has recovered, the next apply converges and the
plan after it shows no changes, no process is left behind, and the message says what
happened and what to do next."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.integration.faults import (
    SlowProxy,
    environ,
    orphans,
    processes,
    proxied_platform,
    slow_proxy,
    started_server,
    terraform_processes,
    wait_for,
    wipe,
)
from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops import plans
from zenml_tui.ops.context import RunContext
from zenml_tui.ops.session import open_session
from zenml_tui.server.local import LocalServer

KEY_ENV = "FAULT_ZENML_API_KEY"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with started_server(tmp_path_factory.mktemp("faults-server") / ".zenml-tui" / "server") as s:
        yield s


@pytest.fixture
def proxy(server):
    """The server behind a proxy; by default every create is held back for 1.5 s."""
    with slow_proxy(server, 1.5) as p:
        yield p


@pytest.fixture
def platform(tmp_path: Path, proxy: SlowProxy, server: LocalServer):
    root = proxied_platform(tmp_path / "acme-ml", proxy.url)
    creds = server.load_credentials()
    assert creds is not None
    with environ(**{KEY_ENV: creds.api_key}):
        yield root
        # leave the shared server clean for the next test (the platform goes with it)
        proxy.hung.clear()
        proxy.delay = 0.0
        wait_for(lambda: terraform_processes(root) == [], 40)
        wipe(server.client(), "acme-ml", "local")


def _converges(root: Path, server: LocalServer) -> plans.PlanOutcome:
    """The tool's own recovery: plan, apply, and then nothing is left to do. Returns
    the recovering plan."""
    session = open_session(root)
    again = asyncio.run(plans.plan(session, "local"))
    if again.run.outcome is plans.RunOutcome.CHANGES:
        applied = asyncio.run(plans.apply(session, "local"))
        assert applied.run.outcome is plans.RunOutcome.APPLIED, applied.run.message
    assert orphans(server, root) == {}
    final = asyncio.run(plans.plan(session, "local"))
    assert final.run.outcome is plans.RunOutcome.NO_CHANGES, final.run.message
    return again


def _cancel_on(kind: str, ctx: RunContext, after: float = 0.5) -> None:
    """Cancel `after` seconds past the first event of `kind`."""
    seen = threading.Event()

    def on_event(event: dict) -> None:
        if event.get("type") == kind and not seen.is_set():
            seen.set()
            threading.Timer(after, ctx.cancel).start()

    ctx.on_event = on_event


def _no_processes_left(platform: Path) -> None:
    assert wait_for(lambda: terraform_processes(platform) == [], 40), terraform_processes(platform)


# -- cancel ------------------------------------------------------------------------------
def test_cancel_during_apply_with_creates_in_flight(platform: Path, server, proxy) -> None:
    session = open_session(platform)
    plan = asyncio.run(plans.plan(session, "local"))
    assert plan.run.outcome is plans.RunOutcome.CHANGES
    ctx = RunContext()
    _cancel_on("apply_start", ctx)
    outcome = asyncio.run(plans.apply(session, "local", ctx=ctx))
    assert outcome.run.outcome is plans.RunOutcome.CANCELLED, outcome.run.message
    assert proxy.held >= 1  # a create was in flight when the cancel came
    assert re.fullmatch(
        r"apply cancelled: (\d+) of 14 changes done, (\d+) not started; Terraform saved the "
        r"state\. Plan again to see what is left",
        outcome.run.message,
    ), outcome.run.message
    assert orphans(server, platform) == {}  # what the server made, the state records
    _no_processes_left(platform)
    _converges(platform, server)


def test_cancel_before_terraform_starts_is_at_once(platform: Path, server, proxy) -> None:
    """The server holds the flavor fetch (the phase before Terraform): f8 is not kept
    waiting for the server's answer."""
    proxy.slow, proxy.delay = (b"GET /api/v1/info",), 20.0
    session = open_session(platform)
    ctx = RunContext()
    threading.Timer(1.0, ctx.cancel).start()
    started = time.monotonic()
    with pytest.raises(ZenMLTUIError) as cancelled:
        asyncio.run(plans.plan(session, "local", ctx=ctx))
    assert cancelled.value.kind is Kind.CANCELLED
    assert time.monotonic() - started < 5
    assert not (platform / ".zenml-tui" / "runs").exists()  # nothing ran, nothing recorded


def test_cancel_during_terraform_plan(platform: Path, server, proxy) -> None:
    """Terraform's provider waits for the server (its configuration call is held)."""
    session = open_session(platform)
    ctx = RunContext()
    seen = threading.Event()

    def on_event(event: dict) -> None:
        if not seen.is_set():  # Terraform has started: hold what its provider asks
            seen.set()
            proxy.slow, proxy.delay = (b"GET /api/v1/info",), 3.0
            threading.Timer(0.5, ctx.cancel).start()

    ctx.on_event = on_event
    outcome = asyncio.run(plans.plan(session, "local", ctx=ctx))
    assert outcome.model is None and outcome.run.outcome is plans.RunOutcome.CANCELLED
    assert orphans(server, platform) == {}
    _no_processes_left(platform)


def _newest_run(root: Path, kind: str) -> Path | None:
    runs = sorted((root / ".zenml-tui" / "runs").glob(f"*-{kind}-*"))
    return runs[-1] if runs else None


def _cli(root: Path, *args: str) -> subprocess.Popen[str]:
    """The CLI in a session of its own (as a terminal's foreground job is a group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "zenml_tui", *args, "--platform", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _started_applying(root: Path) -> bool:
    run = _newest_run(root, "apply")
    events = run / "events.jsonl" if run else None
    return bool(events and events.exists() and '"apply_start"' in events.read_text())


def test_ctrl_c_in_a_headless_apply(platform: Path, server, proxy) -> None:
    session = open_session(platform)
    asyncio.run(plans.plan(session, "local"))
    cli = _cli(platform, "apply", "--env", "local", "--yes")
    assert wait_for(lambda: _started_applying(platform), 60)
    time.sleep(0.3)
    os.killpg(cli.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 130, out + err
    assert "zenml-tui: cancelling: Terraform finishes the operations in progress" in err
    assert re.search(r"apply run \S+: cancelled\. apply cancelled: \d+ of 14 changes done", out)
    assert orphans(server, platform) == {}
    _no_processes_left(platform)
    runs = subprocess.run(
        [sys.executable, "-m", "zenml_tui", "runs", "--platform", str(platform)],
        capture_output=True,
        text=True,
    )
    assert re.search(r"apply\s+local\s+.*cancelled", runs.stdout), runs.stdout
    _converges(platform, server)


def test_sigkill_of_the_cli_during_apply_then_a_restart(platform: Path, server, proxy) -> None:
    """Terraform dies with zenml-tui, but as after a Ctrl-C: it finishes what is in
    flight and saves the state. The run shows as interrupted; the next plan recovers."""
    session = open_session(platform)
    asyncio.run(plans.plan(session, "local"))
    cli = _cli(platform, "apply", "--env", "local", "--yes")
    assert wait_for(lambda: _started_applying(platform), 60)
    time.sleep(0.3)
    os.kill(cli.pid, signal.SIGKILL)
    cli.communicate(timeout=30)
    _no_processes_left(platform)
    runs = subprocess.run(
        [sys.executable, "-m", "zenml_tui", "runs", "--env", "local", "--platform", str(platform)],
        capture_output=True,
        text=True,
    )
    (apply_line,) = [line for line in runs.stdout.splitlines() if "-apply-" in line]
    assert "interrupted" in apply_line and "the next plan adopts" in apply_line, apply_line
    _converges(platform, server)


def test_sigkill_of_terraform_alone_leaves_objects_the_next_plan_adopts(
    platform: Path, server, proxy
) -> None:
    """Terraform is killed while the server is still making its creates: they exist on
    the server and not in the state. The next plan imports them instead of creating them
    again (no HTTP 409), and the apply after it converges."""
    session = open_session(platform)
    asyncio.run(plans.plan(session, "local"))
    ctx = RunContext()
    seen = threading.Event()

    def kill_terraform() -> None:
        for pid in processes(lambda c: "zenml_tui.terraform.embedded" in c, platform):
            os.kill(pid, signal.SIGKILL)

    def on_event(event: dict) -> None:
        if event.get("type") == "apply_start" and not seen.is_set():
            seen.set()
            threading.Timer(0.5, kill_terraform).start()

    ctx.on_event = on_event
    with pytest.raises(ZenMLTUIError) as failed:
        asyncio.run(plans.apply(session, "local", ctx=ctx))
    assert failed.value.kind is Kind.TERRAFORM
    _no_processes_left(platform)  # the provider went with Terraform, once its calls were done
    assert wait_for(lambda: orphans(server, platform) != {}, 10)  # left behind
    left = orphans(server, platform)
    recovering = _converges(platform, server)
    assert recovering.model is not None
    assert recovering.model.counts["import"] == len(left)
    assert {c.importing for c in recovering.model.changes if c.importing} == set(left)


def test_a_server_that_hangs_during_apply(platform: Path, server, proxy) -> None:
    """The provider's requests time out (ZENML_TUI_SERVER_TIMEOUT reaches it too); the
    apply fails saying so; once the server answers again, the next plan adopts what the
    held requests made, and the apply converges."""
    session = open_session(platform)
    asyncio.run(plans.plan(session, "local"))
    ctx = RunContext()
    seen = threading.Event()

    def on_event(event: dict) -> None:
        if event.get("type") == "apply_start" and not seen.is_set():
            seen.set()
            proxy.hung.set()

    ctx.on_event = on_event
    with environ(ZENML_TUI_SERVER_TIMEOUT="3"), pytest.raises(ZenMLTUIError) as failed:
        asyncio.run(plans.apply(session, "local", ctx=ctx))
    assert failed.value.kind is Kind.TERRAFORM
    assert "did not answer within 3 s" in failed.value.message
    proxy.hung.clear()
    _no_processes_left(platform)
    time.sleep(2.5)  # the held requests reach the server now, their callers long gone
    _converges(platform, server)


# -- the app ---------------------------------------------------------------------------------
async def _until(pilot, condition, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.1)


async def test_f8_in_the_app_during_apply(platform: Path, server, proxy) -> None:
    from zenml_tui.ui.app import ZenMLApp
    from zenml_tui.ui.screens.confirm import ConfirmApply
    from zenml_tui.ui.widgets.plan_pane import PlanPane

    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        await _until(pilot, lambda: app.ready)
        pane = app.query_one(PlanPane)
        await pilot.press("f5")
        await _until(pilot, lambda: app.running is None and pane.model is not None)
        await pilot.press("f6")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmApply))
        await pilot.click("#yes")
        await _until(pilot, lambda: _started_applying(platform))
        await pilot.pause(0.3)
        await pilot.press("f8")
        await _until(pilot, lambda: app.running is None)
        summary = str(app.query_one("#plan-summary").render())
        assert "cancelled" in summary and "of 14 changes done" in summary, summary
    assert orphans(server, platform) == {}
    _no_processes_left(platform)
    await asyncio.to_thread(_converges, platform, server)


async def test_the_header_says_when_the_server_stops_answering(platform: Path, proxy) -> None:
    from zenml_tui.ui.app import ZenMLApp

    app = ZenMLApp(platform, "local")
    async with app.run_test(size=(160, 48)) as pilot:
        topbar = app.query_one("#topbar")
        await _until(pilot, lambda: "connected" in str(topbar.render()), 60)
        proxy.hung.set()
        hung_at = time.monotonic()
        await _until(pilot, lambda: "not responding" in str(topbar.render()), 15)
        assert time.monotonic() - hung_at < 10
        proxy.hung.clear()
        await _until(pilot, lambda: "connected" in str(topbar.render()), 90)


def test_a_held_lock_names_its_holder(platform: Path, server, proxy) -> None:
    """A plan while another apply of the environment runs: refused at once, saying who
    holds the state and for how long; with a lock timeout it waits, saying so every few
    seconds, and a cancel ends the wait at once; once that apply is done it plans."""
    import getpass
    import socket

    session = open_session(platform)
    asyncio.run(plans.plan(session, "local"))
    applying = threading.Thread(target=lambda: asyncio.run(plans.apply(session, "local")))
    applying.start()
    said: list[str] = []
    try:
        assert wait_for(lambda: _started_applying(platform), 60)
        with pytest.raises(ZenMLTUIError) as locked:
            asyncio.run(plans.plan(open_session(platform), "local"))
        # waiting, then cancelled while waiting
        ctx = RunContext(lambda e: said.append(str(e.get("@message"))), lock_timeout=120)
        threading.Timer(2.5, ctx.cancel).start()
        started = time.monotonic()
        with pytest.raises(ZenMLTUIError) as cancelled:
            asyncio.run(plans.plan(open_session(platform), "local", ctx))
        assert cancelled.value.kind is Kind.CANCELLED and time.monotonic() - started < 6
        # waiting until the apply is done
        waited = RunContext(lambda e: said.append(str(e.get("@message"))), lock_timeout=120)
        after = asyncio.run(plans.plan(open_session(platform), "local", waited))
    finally:
        applying.join(timeout=120)
    assert after.run.outcome is plans.RunOutcome.NO_CHANGES, after.run.message
    waits = [m for m in said if "waiting" in m]
    assert len(waits) >= 2 and re.fullmatch(
        r"the state is locked by \S+ \(apply, for \d+ s\); waiting \d+ s more for it "
        r"\(Ctrl-C stops\)",
        waits[0],
    ), said
    assert locked.value.kind is Kind.LOCK_HELD
    assert re.fullmatch(
        rf"terraform plan failed: the state is locked by {getpass.getuser()}@"
        rf"{re.escape(socket.gethostname())} \(apply, for \d+ s\)",
        locked.value.message,
    ), locked.value.message
    assert "wait for that run to finish" in locked.value.hint
    _converges(platform, server)
