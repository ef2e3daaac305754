"""The live state of an environment's ZenML server: its stacks, components and
connectors, which this platform manages, their drift from the Terraform state, the layer
value that owns each drifted attribute, and the two repairs.

Restore is a plan: the bundled provider reads labels, names and flavors back from the
server, so the plan shows the drift and the update that puts the layer's value back.
Accept writes the server's value into the layers, by one rule (docs/layering.md,
"Accepting drift"): into the most specific layer of the scope that owns the object (the
environment's layer for a base object, the team's for a team object, the project's for a
project object), at the object's own key (`components.<type>.labels.<key>`,
`connector.labels.<key>`; a stack has none of its own: the scope's `labels.<key>`); the
scalar there is changed in place when that layer sets it, else the key is added. A
label removed on the server is removed there, or set `!delete` where a lower layer
defines it. Then the state records the server's values of the object (`apply
-refresh-only`), so once the edit is saved, state, server and layers agree and the next
plan is empty.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops.servers import connect, explained
from zenml_tui.ops.session import Session
from zenml_tui.platform.nodes import SCALAR, KeyPath, MNode, format_path, lookup
from zenml_tui.platform.trace import COMPUTED, MODULE, SECRET_ORIGIN, Origin, Target, target_of
from zenml_tui.platform.yamledit import DELETE, EditError, locate, remove_key, set_value
from zenml_tui.server.rest import ZenMLError
from zenml_tui.server.status import (
    Changed,
    LiveObject,
    Missing,
    StatusReport,
    environment_status,
)

__all__ = [
    "Changed",
    "Drifted",
    "LayerEdit",
    "LiveObject",
    "Missing",
    "StatusReport",
    "accept",
    "state_of",
    "status",
]


def status(
    session: Session,
    environment: str,
    start: bool = False,
    on_starting: Callable[[], None] | None = None,
    timeout: float | None = None,
) -> StatusReport:
    """Read the live objects and compare them with the environment's state file; each
    drifted attribute is traced to the layer value that owns it (`report.traced`). The
    local server is started first only with `start` (the app does; `status` does not);
    `timeout` overrides the session's for each request (the app's polling is short, so
    that a server that stops answering shows as such within seconds)."""
    state = state_of(session, environment)
    client = connect(session, environment, start=start, on_starting=on_starting, timeout=timeout)
    try:
        report = environment_status(client, session.platform.name, environment, state)
    except ZenMLError as exc:
        raise explained(session, environment, exc) from None
    report.traced = traced(session, environment, report)
    return report


def state_of(session: Session, environment: str) -> Path | str:
    """The environment's state: its file on the local backend, else the remote state's
    text (pulled at most every PULL_EVERY seconds)."""
    envdef = session.environment(environment)
    if envdef.backend.type != "local":
        return _remote_state(session, environment)
    return session.platform.state_dir / "state" / envdef.workspace / "terraform.tfstate"


PULL_EVERY = 20.0  # seconds a remote state pulled for the Server tab is reused


def _remote_state(session: Session, environment: str) -> str:
    """The remote state, pulled at most every PULL_EVERY seconds (a poll of the Server
    tab must not run Terraform each time)."""
    import asyncio
    import time

    from zenml_tui.ops.plans import pull_state

    when, text = session.pulled.get(environment, (0.0, ""))
    if time.monotonic() - when > PULL_EVERY:
        text = asyncio.run(pull_state(session, environment))
        session.pulled[environment] = (time.monotonic(), text)
    return text


# -- tracing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drifted:
    """One drifted attribute: the state's and the server's value, the layer value that
    owns it, and why it cannot be accepted ("" when it can)."""

    address: str
    attribute: str
    state: Any
    server: Any
    origin: Origin
    refusal: str = ""

    @property
    def acceptable(self) -> bool:
        return not self.refusal

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attribute": self.attribute,
            "state": self.state,
            "server": self.server,
            "origin": self.origin.to_dict(),
            "accept": self.refusal or "accepted into the owning layer",
        }
        return out


def traced(session: Session, environment: str, report: StatusReport) -> dict[str, list[Drifted]]:
    """Object id -> its drifted attributes, each traced to the layer value owning it."""
    from zenml_tui.ops.review import tracer

    out: dict[str, list[Drifted]] = {}
    trace = tracer(session, environment)
    with session.lock:
        for obj in report.objects:
            if not obj.changes or not obj.address:
                continue
            target = target_of(session.platform, environment, obj.address)
            items = []
            for change in obj.changes:
                origin = trace.origin(obj.address, change.attribute)
                refusal = _refusal(target, change, origin)
                items.append(
                    Drifted(
                        obj.address, change.attribute, change.state, change.server, origin, refusal
                    )
                )
            out[obj.id] = items
    return out


def _own_path(target: Target, attribute: str) -> KeyPath | None:
    """Where the object's own value of `attribute` lives in its scope's configuration."""
    head, _, key = attribute.partition(".")
    if head == "labels" and key:
        if target.what == "component":
            return ("components", target.component, "labels", key)
        if target.what == "connector":
            return ("connector", "labels", key)
        if target.what == "stack":
            return ("labels", key)
        return None
    if head == "flavor" and target.what == "component" and not key:
        return ("components", target.component, "flavor")
    return None


def _refusal(target: Target | None, change: Changed, origin: Origin) -> str:
    if target is None:
        return "not a resource of the bundled modules"
    if origin.kind == SECRET_ORIGIN:
        return "a secret: its value is never written into a layer; restore it"
    if origin.kind in (MODULE, COMPUTED):
        return f"{origin.text}, not by a layer: restore it"
    if _own_path(target, change.attribute) is None:
        return "only labels and a component's flavor are accepted into layers: restore it"
    return ""


# -- accepting -------------------------------------------------------------------------------


@dataclass
class LayerEdit:
    """An edit of one layer: its text before and after, for the editor's buffer (the app)
    or the file (`status --accept --write`)."""

    layer: Path
    label: str  # env:local
    scope: str  # the scope the Config tab shows it in: local, local/training, ...
    before: str
    after: str
    paths: list[str] = field(default_factory=list)  # what it sets, in the scope's config
    notes: list[str] = field(default_factory=list)
    line: int = 0  # where the first value set is in `after` (0: removed)
    col: int = 0

    def diff(self, root: Path) -> str:
        try:
            name = str(self.layer.resolve().relative_to(root.resolve()))
        except ValueError:
            name = str(self.layer)
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class Acceptance:
    address: str
    edits: list[LayerEdit]
    refused: list[str]  # "labels.team: added by the module (team), not by a layer: ..."


def accept(
    session: Session,
    environment: str,
    report: StatusReport,
    address: str,
    attributes: list[str] | None = None,
    buffers: Mapping[Path, str] | None = None,
) -> Acceptance:
    """The layer edits that accept the server's values of the drifted `attributes`
    (default: every one that can be) of the object at `address`, applied over the
    editor's unsaved `buffers` where a layer has one. Raises NOT_FOUND when the object
    has not drifted, CONFIG when nothing of it can be accepted (saying why)."""
    from zenml_tui.ops import layers

    obj = next((o for o in report.objects if o.address == address), None)
    drifted = report.traced.get(obj.id, []) if obj is not None else []
    if obj is None or not drifted:
        known = sorted(o.address for o in report.objects if report.traced.get(o.id))
        raise ZenMLTUIError(
            f"{address} has not drifted in '{environment}'",
            kind=Kind.NOT_FOUND,
            hint=("drifted: " + ", ".join(known)) if known else "nothing has drifted",
        )
    if attributes:
        unknown = [a for a in attributes if a not in {d.attribute for d in drifted}]
        if unknown:
            raise ZenMLTUIError(
                f"{', '.join(unknown)} of {address} has not drifted",
                kind=Kind.NOT_FOUND,
                hint="drifted: " + ", ".join(d.attribute for d in drifted),
            )
        drifted = [d for d in drifted if d.attribute in attributes]
    target = target_of(session.platform, environment, address)
    assert target is not None  # traced: a resource of the bundled modules
    refused = [f"{d.attribute}: {d.refusal}" for d in drifted if d.refusal]
    texts: dict[Path, str] = {}
    originals: dict[Path, str] = {}
    done: dict[Path, LayerEdit] = {}
    platform = session.platform
    ref = platform.layers_for(target.scope)[-1]
    layer = platform.layer_path(ref)
    for d in drifted:
        if d.refusal:
            continue
        if layer not in texts:
            given = (buffers or {}).get(layer)
            texts[layer] = given if given is not None else layers.read_layer(session, layer).saved
            originals[layer] = texts[layer]
        own = _own_path(target, d.attribute)
        assert own is not None
        try:
            text, note = _edit(session, target, ref.label, layer, texts[layer], own, d)
        except EditError as exc:
            refused.append(f"{d.attribute}: {exc}")
            continue
        texts[layer] = text
        edit = done.setdefault(
            layer,
            LayerEdit(layer, ref.label, target.scope.short, originals[layer], text),
        )
        edit.after = text
        edit.paths.append(format_path(own))
        if note and note not in edit.notes:
            edit.notes.append(note)
    if not done:
        raise ZenMLTUIError(
            f"nothing of {address} can be accepted: " + "; ".join(refused),
            kind=Kind.CONFIG,
            hint=f"restore it instead: zenml-tui plan --env {environment}, then apply",
        )
    for edit in done.values():
        where = locate(edit.after, edit.paths[0].split("."))
        if where is not None:
            edit.line, edit.col = where
        if len(platform.spec.environments) > 1 and ref.kind in ("team", "project"):
            edit.notes.append(
                f"{ref.label} applies in every environment: their next plans show it too"
            )
    return Acceptance(address, list(done.values()), refused)


def _edit(
    session: Session,
    target: Target,
    label: str,
    layer: Path,
    text: str,
    own: KeyPath,
    d: Drifted,
) -> tuple[str, str]:
    """The layer's text with the object's own value at `own` made the server's, checked
    by merging the scope with it; and a note for the user (or "")."""
    keys = [str(k) for k in own]
    with session.lock:
        before = session.layering.scope(target.scope)
    node = lookup(before.tree, own)
    if d.server is None:  # removed on the server
        if node is None:
            raise EditError(
                f"it comes from {d.origin.text}, which every object of "
                f"{target.scope.short} carries: it cannot be removed from this one alone"
            )
        lower = any(p.layer != label for p in node.prov.chain())
        new = set_value(text, keys, DELETE) if lower else remove_key(text, keys)
    else:
        new = set_value(text, keys, d.server)
    with session.lock:
        after = session.layering.scope(target.scope, {layer: new})
    known = {(e.code, e.path) for e in before.errors}
    added = [e for e in after.errors if (e.code, e.path) not in known]
    if added:
        raise EditError(f"the edit would not be valid: {added[0].code.value} {added[0].message}")
    got: MNode | None = lookup(after.tree, own)
    if d.server is None and got is not None:
        raise EditError(f"{format_path(own)} stays set after the edit")
    if d.server is not None and (got is None or got.kind != SCALAR or got.value != d.server):
        raise EditError(f"{format_path(own)} does not read back as {d.server!r}")
    note = ""
    if own[0] == "labels":
        note = (
            f"labels.{own[1]} of {label} labels every object of {target.scope.short}: "
            "the next plan shows it on the others too"
        )
    return new, note
