"""Adopting what an interrupted run left behind, and what was made by hand.

An apply that was killed, or cut off while the server was creating an object, can leave
objects on the server that the Terraform state does not record: the next apply would
create them again and fail with HTTP 409 ("Found an existing component with the same
name"), and only a hand-run `terraform import` would repair it. Before the next plan,
objects that carry this platform's and environment's labels (a secret: its name) and
that the configuration creates under the same type and name are imported instead, with
Terraform `import` blocks (which the official provider supports too); the review shows
them as imports, and the apply after it converges.

Objects made by hand (ops/handmade.py) are adopted the same way once the layers describe
them: `zenml-tui adopt` (or "i" in the Server tab) records them as pending adoptions
(`.zenml-tui/adoptions/<env>.json`), which every plan of the environment imports where
its configuration creates an object of that type and name, until an apply has put them
in the state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zenml_tui.fsutil import write_atomic
from zenml_tui.server.rest import ZenMLClient, ZenMLError
from zenml_tui.server.status import KINDS, is_managed, listed, state_resources
from zenml_tui.terraform.plan import PlanModel
from zenml_tui.terraform.runs import RunKind, RunOutcome, RunStore

ADOPT_FILE = "zz_zenml_tui_adopt.tf"  # in the root module's working copy, for one plan


@dataclass(frozen=True)
class Orphan:
    type: str  # the Terraform resource type, e.g. zenml_stack_component
    id: str
    name: str
    component_type: str | None = None  # a component's ZenML type (names are unique per type)


def pending_path(state_dir: Path, environment: str) -> Path:
    return state_dir / "adoptions" / f"{environment}.json"


def pending(state_dir: Path, environment: str) -> list[Orphan]:
    """The adoptions recorded for the environment's next plans."""
    try:
        data = json.loads(pending_path(state_dir, environment).read_text())
        return [Orphan(**item) for item in data]
    except (OSError, ValueError, TypeError):
        return []


def _write_pending(state_dir: Path, environment: str, items: list[Orphan]) -> None:
    path = pending_path(state_dir, environment)
    if not items:
        path.unlink(missing_ok=True)
        return
    write_atomic(path, json.dumps([asdict(o) for o in items], indent=2) + "\n", mode=0o600)


def add_pending(state_dir: Path, environment: str, items: Iterable[Orphan]) -> None:
    known = {o.id: o for o in pending(state_dir, environment)}
    known.update({o.id: o for o in items})
    _write_pending(state_dir, environment, list(known.values()))


def settle(state_dir: Path, environment: str, state: Path | str) -> list[Orphan]:
    """Drop the pending adoptions the state holds now (an apply imported them); the
    ones left."""
    items = pending(state_dir, environment)
    if not items:
        return []
    in_state = set(state_resources(state))
    left = [o for o in items if o.id not in in_state]
    if len(left) != len(items):
        _write_pending(state_dir, environment, left)
    return left


def live_pending(
    client: ZenMLClient, state_dir: Path, environment: str, state: Path | str
) -> list[Orphan]:
    """The pending adoptions still to import: not in the state yet and still on the
    server (one deleted there since is dropped)."""
    left = settle(state_dir, environment, state)
    paths = {tf_type: path for tf_type, (_, path) in KINDS.items()}
    alive = []
    for o in left:
        try:
            client.get(f"{paths[o.type]}/{o.id}")
        except ZenMLError as exc:
            if exc.not_found:
                continue
            raise
        alive.append(o)
    if len(alive) != len(left):
        _write_pending(state_dir, environment, alive)
    return alive


def worth_a_look(store: RunStore, environment: str) -> bool:
    """After a run that may have left something behind (the environment's latest apply
    or destroy did not end as applied: cancelled, failed or interrupted), and while
    adoptions are pending (the runs' directory is in the platform's state directory)."""
    if pending_path(store.root.parent, environment).is_file():
        return True
    for run in store.list_runs(environment):
        if run.kind in (RunKind.APPLY, RunKind.DESTROY):
            return run.outcome is not RunOutcome.APPLIED
    return False


def find_orphans(
    client: ZenMLClient, platform: str, environment: str, state_file: Path | str
) -> list[Orphan]:
    """Objects with the platform's and environment's labels that the state lacks."""
    in_state = set(state_resources(state_file))
    out = []
    for tf_type, (kind, path) in KINDS.items():
        for item in listed(client, kind, path):
            if not is_managed(kind, item, platform, environment):
                continue
            if item["id"] in in_state:
                continue
            body = item.get("body") or {}
            ctype = body.get("type") if kind == "component" else None
            out.append(Orphan(tf_type, item["id"], item["name"], ctype))
    return out


def _key(tf_type: str, name: Any, component_type: Any) -> tuple[str, str, str]:
    return (tf_type, str(name), str(component_type or ""))


def imports(model: PlanModel, orphans: Iterable[Orphan]) -> dict[str, str]:
    """address -> object id, for each planned create that an orphan already is."""
    known = {_key(o.type, o.name, o.component_type): o.id for o in orphans}
    out: dict[str, str] = {}
    for change in model.changes:
        if change.action != "create":
            continue
        after = (change.raw.get("change") or {}).get("after") or {}
        ctype = after.get("type") if change.type == "zenml_stack_component" else None
        found = known.get(_key(change.type, after.get("name"), ctype))
        if found is not None:
            out[change.address] = found
    return out


def write_imports(root_module: Path, found: dict[str, str]) -> Path:
    """The import blocks, beside the root module's own files (addresses are plain HCL
    traversals; ids are quoted as JSON strings, which HCL reads the same)."""
    blocks = [
        f"import {{\n  to = {address}\n  id = {json.dumps(object_id)}\n}}\n"
        for address, object_id in sorted(found.items())
    ]
    path = root_module / ADOPT_FILE
    header = (
        "# Written by zenml-tui for one plan: objects an interrupted run left on the "
        "server,\n# adopted into the state instead of created again.\n"
    )
    write_atomic(path, header + "\n".join(blocks))
    return path


def clear(root_module: Path) -> None:
    (root_module / ADOPT_FILE).unlink(missing_ok=True)
