"""Runs: every plan, apply and destroy, recorded under the platform's `.zenml-tui/runs/`
so history survives restarts.

    runs/<id>/run.json      environment, workspace, who, when, fingerprint, summary, outcome
    runs/<id>/events.jsonl  Terraform's event stream (it masks sensitive values)
    runs/<id>/plan.tfplan   the saved plan an apply executes (mode 0600: Terraform keeps
                            variable values, secrets included, in plan files)
    runs/<id>/tfvars.json   the rendered variables (no secret values)

A plan's fingerprint covers the rendered tfvars, the module files, the provider source
and the workspace: applying a plan whose fingerprint no longer matches is refused.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from zenml_tui.fsutil import write_atomic
from zenml_tui.procutil import process_started


class RunKind(StrEnum):
    PLAN = "plan"
    APPLY = "apply"
    DESTROY = "destroy"


class RunOutcome(StrEnum):
    """Where a run is; every value but RUNNING is final."""

    RUNNING = "running"
    CHANGES = "changes"  # a plan with changes to apply
    NO_CHANGES = "no-changes"
    APPLIED = "applied"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # the process running it ended without recording an end
    LOCKED = "locked"  # met another run's state lock: nothing ran

    @property
    def final(self) -> bool:
        return self is not RunOutcome.RUNNING

    @property
    def changed_state(self) -> bool:
        """An apply or destroy with this outcome may have changed the state (a failed or
        cancelled one may have done part of its work)."""
        return self in (
            RunOutcome.APPLIED,
            RunOutcome.CANCELLED,
            RunOutcome.FAILED,
            RunOutcome.INTERRUPTED,
        )


def fingerprint_parts(
    tfvars_json: str, modules_hash: str, provider_source: str, workspace: str
) -> dict[str, str]:
    return {
        "tfvars": hashlib.sha256(tfvars_json.encode()).hexdigest(),
        "modules": modules_hash,
        "provider_source": provider_source,
        "workspace": workspace,
    }


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def fingerprint(parts: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Run:
    id: str
    kind: RunKind
    environment: str
    workspace: str
    user: str
    host: str
    started: float
    engine: str
    provider_source: str
    fingerprint: str = ""
    fingerprint_parts: dict[str, str] = field(default_factory=dict)
    finished: float | None = None
    outcome: RunOutcome = RunOutcome.RUNNING
    summary: dict[str, int] = field(default_factory=dict)
    plan_run: str | None = None  # for an apply: the plan it executed
    applied_by: str | None = None  # for a plan: the apply that executed it
    message: str = ""
    destroy: bool = False  # a plan that removes everything (applied only by `destroy`)
    pid: int = 0  # the process running it, and when that process started (pids are reused)
    pid_started: int = 0
    commit: str = ""  # the platform repository's git commit it was made from ("+dirty": edits)
    approver: str = ""  # for an apply or destroy: who confirmed it
    reader: str = ""  # for a plan: how its saved plan was read (native, or show -json: why)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        """A run as `save` wrote it (raises ValueError or TypeError when it is not one)."""
        data = dict(data)
        data["kind"] = RunKind(data["kind"])
        data["outcome"] = RunOutcome(data.get("outcome", RunOutcome.RUNNING))
        return cls(**data)

    def finish(self, outcome: RunOutcome, message: str) -> None:
        self.outcome, self.message, self.finished = outcome, message, time.time()


class RunStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def dir(self, run_id: str) -> Path:
        return self.root / run_id

    def new(
        self, kind: RunKind, environment: str, workspace: str, engine: str, provider_source: str
    ) -> Run:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        while True:  # runs started side by side (plan --all) in one second differ
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
            run_id = f"{stamp}-{kind}-{secrets.token_hex(2)}"
            try:
                self.dir(run_id).mkdir(mode=0o700)
                break
            except FileExistsError:
                continue
        try:
            user = getpass.getuser()
        except Exception:  # pragma: no cover - no passwd entry
            user = str(os.getuid())
        run = Run(
            run_id,
            kind,
            environment,
            workspace,
            user,
            socket.gethostname(),
            time.time(),
            engine,
            provider_source,
        )
        run.pid, run.pid_started = os.getpid(), process_started(os.getpid())
        self.save(run)
        return run

    def save(self, run: Run) -> None:
        write_atomic(
            self.dir(run.id) / "run.json", json.dumps(asdict(run), indent=2) + "\n", mode=0o600
        )

    def load(self, run_id: str) -> Run | None:
        """The run, or None; a run whose process is gone is settled as interrupted."""
        try:
            data = json.loads((self.dir(run_id) / "run.json").read_text())
            run = Run.from_dict(data)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        if run.outcome is RunOutcome.RUNNING and self._orphaned(run):
            self._settle_interrupted(run)
        return run

    @staticmethod
    def _orphaned(run: Run) -> bool:
        """Recorded as running by a process of this host that no longer exists."""
        if run.host != socket.gethostname():
            return False  # another machine's run: it may well be running
        if run.pid <= 0:
            return True  # recorded before runs knew their process
        return process_started(run.pid) != run.pid_started

    def _settle_interrupted(self, run: Run) -> None:
        from zenml_tui.terraform.progress import ApplyProgress

        events = self.events(run.id)
        path = self.dir(run.id) / "events.jsonl"
        when = path.stat().st_mtime if path.exists() else run.started
        if run.kind is RunKind.PLAN:
            message = "interrupted while planning (nothing was changed); plan again"
        else:
            planned = sum(n for a, n in run.summary.items() if a not in ("no-op", "read"))
            progress = ApplyProgress.of(events)
            if not planned:
                planned = len(progress.done) + len(progress.failed) + len(progress.in_flight)
            message = (
                f"interrupted: the process running this {run.kind} ended after "
                f"{progress.describe(planned) if planned else 'no changes'}; plan again: "
                "the next plan adopts objects the server made that the state does not record"
            )
        run.finish(RunOutcome.INTERRUPTED, message)
        run.finished = when
        with contextlib.suppress(OSError):  # shown as interrupted all the same
            self.save(run)

    def list_runs(self, environment: str | None = None) -> list[Run]:
        """Newest first."""
        if not self.root.is_dir():
            return []
        runs = [self.load(p.name) for p in self.root.iterdir() if p.is_dir()]
        out: list[Run] = [
            r
            for r in runs
            if r is not None and (environment is None or r.environment == environment)
        ]
        return sorted(out, key=lambda r: (r.started, r.id), reverse=True)

    def latest_plan(self, environment: str) -> Run | None:
        """The newest finished plan of the environment (destroy plans are not offered)."""
        for run in self.list_runs(environment):
            if (
                run.kind is RunKind.PLAN
                and not run.destroy
                and run.outcome in (RunOutcome.CHANGES, RunOutcome.NO_CHANGES)
            ):
                return run
        return None

    def append_event(self, run: Run, event: dict[str, Any]) -> None:
        path = self.dir(run.id) / "events.jsonl"
        with open(path, "a", encoding="utf-8", opener=_private) as fh:
            fh.write(json.dumps(event) + "\n")

    def events(self, run_id: str) -> list[dict[str, Any]]:
        path = self.dir(run_id) / "events.jsonl"
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out
