"""A speculative plan: what the editor's unsaved layer texts would do to an environment,
planned while the user types (the app's Config tab; a CLI could call it the same way).

It is a plan as `plans.plan` makes one (`plans.prepare`: rendered, connected, checked
against the flavors, in the environment's prepared working directory and workspace),
with these differences, because it is never applied: the tfvars come from the unsaved
buffers; Terraform takes no state lock (`-lock=false`: another run's lock does not
stop it, and it never holds one up) and does not read the objects back from the server
(`-refresh=false`: the edit's impact against the state, in a fraction of the time; drift
is the real plan's to show); the tfvars and the saved plan are written to a private
temporary directory deleted afterwards; no run is recorded, nothing is adopted or
imported, no backend is recorded or migrated. The impact is read from Terraform's event
stream (no `show -json`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zenml_tui.errors import file_error
from zenml_tui.fsutil import write_atomic
from zenml_tui.ops import plans
from zenml_tui.ops.context import Cancelled, RunContext
from zenml_tui.ops.session import Session

WHAT = "speculative plan"
# the order a review lists actions in, and the word for each count
ORDER = ("create", "import", "update", "replace", "delete")


@dataclass(frozen=True)
class Impact:
    """The changes the unsaved edits would make: (action, address) in Terraform's
    order, actions as the plan model names them (no-ops left out)."""

    environment: str
    changes: tuple[tuple[str, str], ...]

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(ORDER, 0)
        for action, _ in self.changes:
            out[action] = out.get(action, 0) + 1
        return out

    def summary(self) -> str:
        """`1 to update, 0 to replace`: every action there is, and replacements always
        (the one that loses an object's identity), or `no changes`."""
        if not self.changes:
            return "no changes"
        counts = self.counts
        shown = [a for a in ORDER if counts.get(a) or a == "replace"]
        return ", ".join(f"{counts.get(a, 0)} to {a}" for a in shown)

    @classmethod
    def of_events(cls, environment: str, events: list[dict[str, Any]]) -> Impact:
        """From a plan's `planned_change` events (one per changing resource)."""
        seen: dict[str, str] = {}
        for event in events:
            if event.get("type") != "planned_change":
                continue
            change = event.get("change") or {}
            address = (change.get("resource") or {}).get("addr", "")
            action = str(change.get("action", ""))
            if not address or action in ("noop", "no-op", "read", "move"):
                continue
            seen[address] = {"remove": "delete", "forget": "delete"}.get(action, action)
        return cls(environment, tuple((a, addr) for addr, a in seen.items()))


async def impact(
    session: Session,
    environment: str,
    buffers: dict[Path, str],
    ctx: RunContext | None = None,
) -> Impact:
    """Plan the environment from the files with `buffers` (unsaved layer texts) over
    them. Raises what a plan raises: CONFIG with the diagnostics when the texts do not
    validate (nothing is planned), SECRETS_MISSING, the server's and Terraform's
    errors, CANCELLED when `ctx` is cancelled (a keystroke)."""
    ctx = ctx or RunContext()
    try:
        return await _impact(session, environment, buffers, ctx)
    except OSError as exc:
        raise file_error(exc, f"plan the unsaved edits of {environment}") from None


async def _impact(
    session: Session, environment: str, buffers: dict[Path, str], ctx: RunContext
) -> Impact:
    engine = ctx.attach(session.terraform())
    prep = await plans.prepare(
        session, environment, ctx, engine, need_secrets=True, what=WHAT, buffers=buffers
    )
    ctx.check(WHAT)
    # private (0700), and gone with everything in it however the plan ends: the saved
    # plan holds the secrets' values
    with tempfile.TemporaryDirectory(prefix="zenml-tui-speculative-") as scratch:
        tfvars, plan_file = Path(scratch) / "tfvars.json", Path(scratch) / "plan.tfplan"
        write_atomic(tfvars, prep.tfvars_text, mode=0o600)
        result = await prep.workdir.plan(
            prep.env, tfvars, plan_file, ctx.event, lock=False, refresh=False
        )
    if result.cancelled:
        raise Cancelled(WHAT)
    return Impact.of_events(environment, result.events)
