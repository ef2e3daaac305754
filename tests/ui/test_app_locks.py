"""Two app instances on one platform and environment, applying at once: real Terraform,
the bundled provider, a real ZenML server behind a proxy that can hold the provider's
creates back (so the first apply holds the state's lock for as long as the test needs,
without any timing luck)."""

from __future__ import annotations

import getpass
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.faults import (
    SlowProxy,
    environ,
    orphans,
    proxied_platform,
    slow_proxy,
    started_server,
    terraform_processes,
    wait_for,
    wipe,
)
from tests.ui.test_app import until
from zenml_tui.ops.drift import status
from zenml_tui.ops.history import list_runs
from zenml_tui.ops.plans import RunKind, RunOutcome
from zenml_tui.server.local import LocalServer
from zenml_tui.ui.app import ZenMLApp
from zenml_tui.ui.screens.confirm import ConfirmApply
from zenml_tui.ui.screens.lock import LockPrompt

KEY_ENV = "FAULT_ZENML_API_KEY"
HOLDER = f"{getpass.getuser()}@{socket.gethostname()}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with started_server(tmp_path_factory.mktemp("locks-server") / ".zenml-tui" / "server") as s:
        yield s


@pytest.fixture
def proxy(server: LocalServer) -> Iterator[SlowProxy]:
    with slow_proxy(server, 0.0) as p:
        yield p


@pytest.fixture
def platform(tmp_path: Path, proxy: SlowProxy, server: LocalServer) -> Iterator[Path]:
    root = proxied_platform(tmp_path / "acme-ml", proxy.url, KEY_ENV)
    creds = server.load_credentials()
    assert creds is not None
    with environ(**{KEY_ENV: creds.api_key}):
        yield root
        proxy.holding.clear()
        wait_for(lambda: terraform_processes(root) == [], 40)
        wipe(server.client(), "acme-ml", "local")


def _applying(root: Path) -> bool:
    runs = sorted((root / ".zenml-tui" / "runs").glob("*-apply-*"))
    events = runs[0] / "events.jsonl" if runs else None
    return bool(events and events.exists() and '"apply_start"' in events.read_text())


def _text(app: ZenMLApp, selector: str) -> str:
    return str(app.query_one(selector).render())


async def test_two_apps_apply_at_once_and_one_applies(
    platform: Path, proxy: SlowProxy, server: LocalServer
) -> None:
    """Both apps plan, both apply. The first applies; the second's header shows who holds
    the lock meanwhile, its apply asks (holder, operation, age, ID), waits with a
    countdown when told to, and once the first is done refuses its plan as stale: it
    applies nothing it did not review. Its next plan shows no changes."""
    first, second = ZenMLApp(platform, "local"), ZenMLApp(platform, "local")
    second.lock_check_seconds = 0.5  # the badge's check, each refresh of the Server tab
    async with first.run_test(size=(160, 48)) as p1, second.run_test(size=(160, 48)) as p2:
        await until(p1, lambda: first.ready and second.ready)
        for app, pilot in ((first, p1), (second, p2)):
            await pilot.press("f5")
            await until(pilot, lambda app=app: app.running is None and app.plan_pane.run)
            model = app.plan_pane.model
            assert model is not None and model.counts["create"] == 14, _text(app, "#plan-summary")

        proxy.holding.set()  # the first apply's creates wait: it holds the lock
        await p1.press("f6")
        await until(p1, lambda: isinstance(first.screen, ConfirmApply))
        await p1.click("#yes")
        await until(p1, lambda: _applying(platform))

        def badge() -> bool:
            second.action_refresh_server()
            return f"locked by {HOLDER} (apply," in _text(second, "#topbar")

        await until(p2, badge, 60)
        assert f"state locked by {HOLDER} (apply," in _text(second, "#server-lock")

        await p2.press("f6")
        await until(p2, lambda: isinstance(second.screen, ConfirmApply))
        await p2.click("#yes")
        await until(p2, lambda: isinstance(second.screen, LockPrompt), 60)
        details = second.screen.query_one("#lock-details").render()
        assert re.search(
            rf"held by +{re.escape(HOLDER)}\n +for +apply\n +since +\S+ \S+ \S+ UTC \(\d+ s ago\)"
            r"\n +lock ID +[0-9a-f-]{36}\n",
            str(details),
        ), details
        assert second.running is None  # nothing runs while it asks

        await p2.press("w")  # wait for it
        await until(
            p2,
            lambda: re.search(
                r"locked by .*; waiting \d+ s more for it \(f8 cancels\)",
                _text(second, "#plan-summary"),
            ),
            30,
        )
        proxy.holding.clear()
        await until(p1, lambda: first.running is None, 120)
        await until(p2, lambda: second.running is None, 120)

        def failures() -> list[str]:
            # whole lines: the log wraps what it draws
            return [line for line in second.plan_pane.logged if line.startswith("apply failed:")]

        await until(p2, lambda: len(failures()) >= 2, 10)  # the log is drawn 10 times a second
        # the first met the lock; the second, after the wait, is Terraform's refusal
        assert "the state is locked by" in failures()[0], failures()
        assert "changed since the plan was made" in failures()[1], failures()

        runs = [r for r in list_runs(first.session, "local") if r.kind is RunKind.APPLY]
        outcomes = sorted(str(r.outcome) for r in runs)
        # one applied; the other met the lock, then its plan was refused as stale
        assert outcomes == sorted(["applied", "locked", "failed"]), outcomes
        report = status(first.session, "local")
        assert len([o for o in report.objects if o.managed]) == 14 and not report.drifted, report
        assert orphans(server, platform) == {}

        await p2.press("f5")
        await until(p2, lambda: second.running is None and second.plan_pane.run, 120)
        plan_run = second.plan_pane.run
        assert plan_run is not None and plan_run.outcome is RunOutcome.NO_CHANGES, plan_run
