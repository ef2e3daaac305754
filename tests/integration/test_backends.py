"""The registration state in a shared backend, and two operators on it.

Against real backends on 127.0.0.1: PostgreSQL (`pg`) and Google Cloud Storage through
fake-gcs-server (`gcs`, the ZenML guide's own). Two copies of the example platform are
two operators' checkouts: the same `local` environment, its state in the same backend,
the same ZenML server (behind a proxy that holds each create back, so that an apply
takes long enough to be met). Each backend's credential is a platform secret. With the
default `local` backend the state is the checkout's own, so there the two operators are
two sessions on one checkout."""

from __future__ import annotations

import asyncio
import getpass
import re
import secrets as pysecrets
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.backends import fake_gcs, postgres
from tests.integration.faults import (
    SlowProxy,
    environ,
    proxied_platform,
    slow_proxy,
    started_server,
    wait_for,
    wipe,
)
from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops import plans
from zenml_tui.ops.context import RunContext
from zenml_tui.ops.drift import status
from zenml_tui.ops.session import open_session
from zenml_tui.server.local import LocalServer

KEY_ENV = "FAULT_ZENML_API_KEY"
HOLDER = (
    rf"terraform apply failed: the state is locked by {getpass.getuser()}@"
    rf"{re.escape(socket.gethostname())} \(apply, for \d+ s\)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with started_server(tmp_path_factory.mktemp("backends-server") / ".zenml-tui" / "server") as s:
        yield s


@pytest.fixture
def proxy(server: LocalServer) -> Iterator[SlowProxy]:
    with slow_proxy(server, 0.4) as p:
        yield p


def _local_state(root: Path) -> str:
    path = root / ".zenml-tui" / "state" / "local" / "terraform.tfstate"
    return path.read_text() if path.is_file() else ""


@pytest.fixture(params=["local", "pg", "gcs"])
def backend(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A backend: its platform.yaml lines (None: the default, local), its secret, and how
    to see what it holds (given the operator's checkout)."""
    if request.param == "local":
        # the local state is the checkout's own: two operators are two sessions on it
        yield {
            "yaml": None,
            "secret": "local-" + pysecrets.token_hex(8),
            "hidden": None,
            "states": lambda root: ["local"] if _local_state(root) else [],
            "content": _local_state,
        }
    elif request.param == "pg":
        with postgres() as pg:
            yield {
                "yaml": (
                    "      type: pg\n      config:\n        conn_str: ${secret:STATE_CREDENTIAL}\n"
                ),
                "secret": pg.conn_str,
                "hidden": pg.password,
                "states": lambda root: pg.query(
                    "select name from zenml_tui_acme_ml_registration.states order by name"
                ).split(),
                "content": lambda root: pg.query(
                    "select data from zenml_tui_acme_ml_registration.states where name = 'local'"
                ),
            }
    else:
        with fake_gcs() as gcs:
            token = "gcs-" + pysecrets.token_hex(8)
            yield {
                "yaml": (
                    f"      type: gcs\n      config:\n        bucket: {gcs.bucket}\n"
                    f"        storage_custom_endpoint: {gcs.endpoint}\n"
                    "        access_token: ${secret:STATE_CREDENTIAL}\n"
                ),
                "secret": token,
                "hidden": token,
                "states": lambda root: sorted(gcs.objects()),
                "content": lambda root: (
                    gcs.objects().get("zenml-tui/acme-ml/registration/local.tfstate", b"").decode()
                ),
            }


def operator(root: Path, proxy_url: str, backend_yaml: str | None) -> Path:
    """One operator's checkout: the example, `local` on the shared server and backend
    (None: the local backend)."""
    proxied_platform(root, proxy_url, KEY_ENV)
    if backend_yaml is None:
        return root
    spec = root / "platform.yaml"
    text = spec.read_text()
    text = text.replace(
        "secrets:\n",
        "secrets:\n  STATE_CREDENTIAL:\n    env: ACME_STATE_CREDENTIAL\n"
        "    description: the shared state backend's credential\n",
        1,
    )
    marker = "    workspace: local\n"
    text = text.replace(marker, marker + "    backend:\n" + backend_yaml, 1)
    spec.write_text(text)
    return root


def counts(outcome: plans.PlanOutcome) -> dict[str, int]:
    return {k: n for k, n in outcome.run.summary.items() if n}


def _applying(root: Path) -> bool:
    runs = sorted((root / ".zenml-tui" / "runs").glob("*-apply-*"))
    events = runs[-1] / "events.jsonl" if runs else None
    return bool(events and events.exists() and '"apply_start"' in events.read_text())


def _files_holding(root: Path, value: str) -> list[str]:
    needle = value.encode()
    return [
        str(p)
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and needle in p.read_bytes()
    ]


def test_the_state_in_a_shared_backend(
    backend: dict[str, Any], server: LocalServer, proxy: SlowProxy, tmp_path: Path
) -> None:
    """Two operators on one state: two checkouts on a shared backend, or two sessions on
    one checkout with the local backend. Both plan; one applies, and the other, meeting
    the lock, is told who holds it (user, host, operation, age); its plan is then refused
    as stale, also after waiting for the lock: it never applies what it did not review.
    Its next plan shows no changes, the Server tab's status reads the state, a destroy
    empties it. No credential of a shared backend is on either operator's disk, neither
    has a local state."""
    shared = backend["yaml"] is not None
    a = operator(tmp_path / "a" / "acme-ml", proxy.url, backend["yaml"])
    b = operator(tmp_path / "b" / "acme-ml", proxy.url, backend["yaml"]) if shared else a
    creds = server.load_credentials()
    assert creds is not None
    with environ(**{KEY_ENV: creds.api_key, "ACME_STATE_CREDENTIAL": backend["secret"]}):
        first, second = open_session(a), open_session(b)
        try:
            planned_a = asyncio.run(plans.plan(first, "local"))
            planned_b = asyncio.run(plans.plan(second, "local"))
            assert counts(planned_a) == counts(planned_b) == {"create": 14}
            run_a, run_b = planned_a.run.id, planned_b.run.id

            done: dict[str, Any] = {}
            applying = threading.Thread(
                target=lambda: done.setdefault("a", asyncio.run(plans.apply(first, "local", run_a)))
            )
            applying.start()
            try:
                assert wait_for(lambda: _applying(a), 60)
                with pytest.raises(ZenMLTUIError) as locked:
                    asyncio.run(plans.apply(second, "local", run_b))
                # waiting for the lock: once the apply is done, the plan is stale
                waiting = RunContext(lock_timeout=120)
                with pytest.raises(ZenMLTUIError) as stale:
                    asyncio.run(plans.apply(second, "local", run_b, waiting))
            finally:
                applying.join(timeout=120)
            assert done["a"].run.outcome is plans.RunOutcome.APPLIED, done["a"].run.message
            assert locked.value.kind is Kind.LOCK_HELD, locked.value.message
            assert re.fullmatch(HOLDER, locked.value.message), locked.value.message
            assert "wait for that run to finish" in locked.value.hint
            assert stale.value.kind is Kind.STALE_PLAN, stale.value.message
            assert "changed since the plan was made" in stale.value.message

            with pytest.raises(ZenMLTUIError) as again_stale:
                asyncio.run(plans.apply(second, "local", run_b))
            assert again_stale.value.kind is Kind.STALE_PLAN, again_stale.value.message

            again = asyncio.run(plans.plan(second, "local"))
            assert again.run.outcome is plans.RunOutcome.NO_CHANGES, again.run.message
            report = status(second, "local")
            managed = [o for o in report.objects if o.managed]
            assert len(managed) == 14 and not report.drifted, report
            assert "local" in " ".join(backend["states"](a))
            assert "zenml_stack" in backend["content"](a)
            for root in (a, b) if shared else ():
                assert not (root / ".zenml-tui" / "state" / "local").exists()
                assert _files_holding(root, backend["hidden"]) == []

            asyncio.run(plans.destroy(first, "local", confirm_env="local"))
            assert '"resources": []' in backend["content"](a)
            final = asyncio.run(plans.plan(first, "local"))
            assert counts(final) == {"create": 14}
        finally:
            wipe(server.client(), "acme-ml", "local")


def test_a_lock_left_by_a_dead_run_is_shown_and_released(
    server: LocalServer, proxy: SlowProxy, tmp_path: Path
) -> None:
    """A gcs lock outlives a run killed on another machine (it is an object in the
    bucket). A plan names its holder; `unlock` shows the lock, keeps it unless confirmed,
    and releases it with --yes; then the plan works."""
    import json
    import urllib.request
    import uuid

    from tests.conftest import cli

    with fake_gcs() as gcs:
        yaml = (
            f"      type: gcs\n      config:\n        bucket: {gcs.bucket}\n"
            f"        storage_custom_endpoint: {gcs.endpoint}\n"
            "        access_token: ${secret:STATE_CREDENTIAL}\n"
        )
        root = operator(tmp_path / "acme-ml", proxy.url, yaml)
        creds = server.load_credentials()
        assert creds is not None
        env = {KEY_ENV: creds.api_key, "ACME_STATE_CREDENTIAL": "gcs-token"}
        with environ(**env):
            assert cli("unlock", "--env", "local", "--platform", str(root)).stdout == (
                "local: the state is not locked\n"
            )
            name = "zenml-tui/acme-ml/registration/local.tflock"
            info = {
                "ID": str(uuid.uuid4()),
                "Operation": "OperationTypeApply",
                "Info": "",
                "Who": "ana@build-7",
                "Version": "1.15.5",
                "Created": "2026-12-01T05:00:00.123456Z",
                "Path": f"gs://{gcs.bucket}/{name}",
            }
            upload = urllib.request.Request(
                f"http://127.0.0.1:{gcs.port}/upload/storage/v1/b/{gcs.bucket}/o"
                f"?uploadType=media&name={name}",
                data=json.dumps(info).encode(),
                method="POST",
            )
            urllib.request.urlopen(upload, timeout=10)

            with pytest.raises(ZenMLTUIError) as locked:
                asyncio.run(plans.plan(open_session(root), "local"))
            assert re.fullmatch(
                r"terraform plan failed: the state is locked by ana@build-7 \(apply, for \d+ h\)",
                locked.value.message,
            ), locked.value.message

            kept = cli("unlock", "--env", "local", "--platform", str(root))
            assert kept.returncode == 1 and "not a terminal: nothing was changed" in kept.stderr
            # gcs names a lock by its object's generation (what force-unlock wants)
            shown = re.match(
                rf"lock (\d+) on gs://{gcs.bucket}/{name}: held by ana@build-7 for apply, "
                r"since 2026-12-01 05:00:00\S* \+0000 UTC \(\d+ h ago\)\n",
                kept.stdout,
            )
            assert shown, kept.stdout
            assert name in gcs.objects()

            released = cli("unlock", "--env", "local", "--yes", "--platform", str(root))
            assert released.returncode == 0, released.stderr
            assert f"local: lock {shown[1]} released" in released.stdout
            assert name not in gcs.objects()
            again = asyncio.run(plans.plan(open_session(root), "local"))
            assert counts(again) == {"create": 14}


def test_switching_to_another_backend_migrates_the_state(
    server: LocalServer, proxy: SlowProxy, tmp_path: Path
) -> None:
    """An environment applied with the local backend, then switched to pg in
    platform.yaml: its plan refuses (a plan against the empty new state would create
    every object again), naming both states and `migrate-state`; `migrate-state` shows
    from and to without the credential, keeps everything without a confirmation and
    copies the state with one; then the plan shows no changes, against PostgreSQL."""
    from tests.conftest import cli

    root = operator(tmp_path / "acme-ml", proxy.url, None)
    creds = server.load_credentials()
    assert creds is not None
    with postgres() as pg:
        secrets = {KEY_ENV: creds.api_key, "ACME_STATE_CREDENTIAL": pg.conn_str}
        with environ(**secrets):
            try:
                session = open_session(root)
                asyncio.run(plans.plan(session, "local"))
                applied = asyncio.run(plans.apply(session, "local"))
                assert applied.run.outcome is plans.RunOutcome.APPLIED, applied.run.message

                operator_yaml = (
                    "      type: pg\n      config:\n        conn_str: ${secret:STATE_CREDENTIAL}\n"
                )
                spec = root / "platform.yaml"
                marker = "    workspace: local\n"
                spec.write_text(
                    spec.read_text()
                    .replace(
                        "secrets:\n",
                        "secrets:\n  STATE_CREDENTIAL:\n    env: ACME_STATE_CREDENTIAL\n",
                        1,
                    )
                    .replace(marker, marker + "    backend:\n" + operator_yaml, 1)
                )
                with pytest.raises(ZenMLTUIError) as refused:
                    asyncio.run(plans.plan(open_session(root), "local"))
                assert refused.value.kind is Kind.STATE_TO_MIGRATE, refused.value.message
                assert refused.value.message == (
                    "the state of 'local' (14 resources) is in its previous backend, local "
                    "(.zenml-tui/state/local/terraform.tfstate); platform.yaml now names pg "
                    "(conn_str=«secret:STATE_CREDENTIAL», "
                    "schema_name=zenml_tui_acme_ml_registration), workspace local, which holds no "
                    "state of it: a plan there would create "
                    "every object again"
                )
                assert "zenml-tui migrate-state --env local" in refused.value.hint

                args = ("migrate-state", "--env", "local", "--platform", str(root))
                kept = cli(*args)
                assert kept.returncode == 1 and "not a terminal: nothing was changed" in kept.stderr
                assert "  from: local (.zenml-tui/state/local/terraform.tfstate)\n" in kept.stdout
                assert "  to:   pg (conn_str=«secret:STATE_CREDENTIAL»" in kept.stdout
                assert pg.password not in kept.stdout + kept.stderr
                assert "zenml_stack" not in pg.query(
                    "select coalesce(string_agg(data, ''), '') from "
                    "zenml_tui_acme_ml_registration.states"
                )

                moved = cli(*args, "--yes")
                assert moved.returncode == 0, moved.stderr
                assert "local: 14 resources copied to pg (" in moved.stdout, moved.stdout
                assert pg.password not in moved.stdout + moved.stderr
                assert "zenml_stack" in pg.query(
                    "select data from zenml_tui_acme_ml_registration.states where name = 'local'"
                )
                done = cli(*args).stdout
                assert done == "local: nothing to migrate: its state is in its backend\n", done

                again = asyncio.run(plans.plan(open_session(root), "local"))
                assert again.run.outcome is plans.RunOutcome.NO_CHANGES, again.run.message
                assert _files_holding(root, pg.password) == []
            finally:
                wipe(server.client(), "acme-ml", "local")
