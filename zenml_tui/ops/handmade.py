"""Adopting stacks, components and connectors made by hand (in the dashboard, the ZenML
CLI or the REST API): the layers are made to describe them and the next plans import
them (ops/adopt.py's pending adoptions), so the plan shows imports and nothing else.

An object is adopted into the slot its name gives it in the bundled modules (rules in
docs/layering.md, "Adopting what was made by hand"): `<env>-<type>` is the base
component of that type (artifact_store, container_registry, orchestrator,
image_builder), `<env>-<team>-<type>` a type the team lists in platform.yaml,
`<env>-<project>-artifact-store` a project's, `<env>-base-connector` and
`<env>-<team>-connector` the connectors, `<env>-base-stack`, `<env>-<team>-stack` and
`<env>-<project>-stack` the stacks (`_` in a team or project name is `-`). A name that
fits no slot is not adopted: it would be a rename, which ZenML would see as an update
of the imported object; the reason says which names would fit.

What the layers say is written into the most specific layer of the slot's scope (as
accepting drift does): the flavor, each configuration key and the object's own labels;
a configuration key a lower layer gives that the object lacks is removed there or set
`!delete`. The labels the modules add (platform, environment, version, managed_by, team,
project, purpose, type) are not written: the import adds them, which the plan shows as
an update of the imported object (still an import in the review). A stack's own labels
other than those cannot be kept: stacks carry their scope's labels only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops import adopt, layers
from zenml_tui.ops.drift import LayerEdit, state_of
from zenml_tui.ops.servers import connect, explained
from zenml_tui.ops.session import Session
from zenml_tui.platform.definition import Scope
from zenml_tui.platform.engine import BASE_STACK_TYPES
from zenml_tui.platform.nodes import MAP, LayerRef, MNode, lookup, to_plain
from zenml_tui.platform.render import effective_component
from zenml_tui.platform.schema import CREDENTIAL_KEYS
from zenml_tui.platform.yamledit import DELETE, EditError, locate, remove_key, set_value
from zenml_tui.provider.values import as_text
from zenml_tui.server.rest import ZenMLClient, ZenMLError
from zenml_tui.server.status import labels_of, listed, state_resources

MODULE_LABELS = frozenset(
    {"platform", "environment", "version", "managed_by", "team", "project", "purpose", "type"}
)
KINDS = {
    "stack": ("zenml_stack", "/stacks"),
    "component": ("zenml_stack_component", "/components"),
    "connector": ("zenml_service_connector", "/service_connectors"),
}


@dataclass
class Candidate:
    """An object on the server that the environment's state does not hold."""

    kind: str  # stack | component | connector
    id: str
    name: str
    address: str = ""  # the slot it fits, "" when none
    scope: Scope | None = None  # the scope that configures that slot
    reason: str = ""  # why it cannot be adopted as it is ("" when it can)
    component_type: str | None = None
    item: dict[str, Any] = field(default_factory=dict, repr=False)  # as the server has it

    @property
    def adoptable(self) -> bool:
        return not self.reason

    @property
    def orphan(self) -> adopt.Orphan:
        return adopt.Orphan(KINDS[self.kind][0], self.id, self.name, self.component_type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "address": self.address or None,
            "scope": self.scope.short if self.scope else None,
            "adoptable": self.adoptable,
            "reason": self.reason or None,
        }


@dataclass
class Adoption:
    """What adopting some objects takes: layer edits and imports, and what to know."""

    environment: str
    adopted: list[Candidate]
    edits: list[LayerEdit]
    notes: list[str]

    @property
    def summary(self) -> str:
        names = ", ".join(c.name for c in self.adopted)
        where = ", ".join(e.label for e in self.edits) or "no layer (they describe them already)"
        return (
            f"{len(self.adopted)} to adopt ({names}); edited: {where}; the next plan of "
            f"{self.environment} imports them once the edits are saved"
        )


def _dashed(name: str) -> str:
    return name.replace("_", "-")


# -- slots -----------------------------------------------------------------------------------


def _slots(session: Session, environment: str) -> dict[tuple[str, str, str], tuple[str, Scope]]:
    """(kind, component type or "", name) -> (address, scope) of every slot the bundled
    modules have in the environment, whether the layers configure it or not."""
    spec = session.platform.spec
    env = environment
    out: dict[tuple[str, str, str], tuple[str, Scope]] = {}
    base = Scope(env)
    for t in BASE_STACK_TYPES:
        address = f'module.base.zenml_stack_component.base["{t}"]'
        out[("component", t, f"{env}-{_dashed(t)}")] = (address, base)
    out[("connector", "", f"{env}-base-connector")] = (
        "module.base.zenml_service_connector.base[0]",
        base,
    )
    out[("stack", "", f"{env}-base-stack")] = ("module.base.zenml_stack.base", base)
    for team_name, team in spec.teams.items():
        scope, prefix = Scope(env, team_name), f"{env}-{_dashed(team_name)}"
        for t in team.components:
            address = f'module.team["{team_name}"].zenml_stack_component.team["{t}"]'
            out[("component", t, f"{prefix}-{_dashed(t)}")] = (address, scope)
        out[("connector", "", f"{prefix}-connector")] = (
            f'module.team["{team_name}"].zenml_service_connector.team[0]',
            scope,
        )
        out[("stack", "", f"{prefix}-stack")] = (
            f'module.team["{team_name}"].zenml_stack.team',
            scope,
        )
    for project_name, project in spec.projects.items():
        scope, prefix = Scope(env, project.team, project_name), f"{env}-{_dashed(project_name)}"
        address = f'module.project["{project_name}"].zenml_stack_component.artifact_store'
        out[("component", "artifact_store", f"{prefix}-artifact-store")] = (address, scope)
        out[("stack", "", f"{prefix}-stack")] = (
            f'module.project["{project_name}"].zenml_stack.project',
            scope,
        )
    return out


def _names_for(session: Session, environment: str, kind: str, ctype: str) -> list[str]:
    """The names an object of this kind (and component type) would need to be adopted."""
    slots = _slots(session, environment)
    return [
        name for (k, t, name) in slots if k == kind and t == (ctype if kind == "component" else "")
    ]


def _no_slot(session: Session, environment: str, c: Candidate) -> str:
    names = _names_for(session, environment, c.kind, c.component_type or "")
    what = f"a {c.component_type}" if c.kind == "component" else f"a {c.kind}"
    if not names:
        return f"{environment}'s modules make no {c.component_type} component"
    return (
        f"'{c.name}' fits no slot of {environment}: {what} it adopts is named "
        + " or ".join(names)
        + " (rename it on the server to adopt it)"
    )


# -- what is on the server -------------------------------------------------------------------


def survey(session: Session, environment: str) -> list[Candidate]:
    """Every stack, component and connector on the environment's server that its state
    does not hold and no other environment's labels claim, with its slot or the reason
    it cannot be adopted."""
    client = connect(session, environment)
    try:
        return _survey(session, environment, client, state_of(session, environment))
    except ZenMLError as exc:
        raise explained(session, environment, exc) from None


def _survey(
    session: Session, environment: str, client: ZenMLClient, state: Path | str
) -> list[Candidate]:
    platform = session.platform
    in_state = state_resources(state)
    taken = {address: object_id for object_id, (_, address, _) in in_state.items()}
    slots = _slots(session, environment)
    out: list[Candidate] = []
    for kind, (_, path) in KINDS.items():
        for item in listed(client, kind, path):
            if item["id"] in in_state:
                continue
            labels = labels_of(kind, item)
            owner = (labels.get("platform"), labels.get("environment"))
            if owner[0] is not None and owner != (platform.name, environment):
                continue  # another platform's or environment's
            body = item.get("body") or {}
            ctype = str(body.get("type")) if kind == "component" else None
            c = Candidate(kind, item["id"], item["name"], component_type=ctype, item=item)
            slot = slots.get((kind, ctype or "", c.name))
            if slot is None:
                c.reason = _no_slot(session, environment, c)
            elif slot[0] in taken:
                c.reason = f"{slot[0]} is another object of the platform already"
            else:
                c.address, c.scope = slot
                c.reason = _blocker(session, environment, c, taken)
            out.append(c)
    by_id = {c.id: c for c in out}
    for c in out:
        if c.kind == "stack" and c.adoptable:
            c.reason = _stack_blocker(session, environment, c, taken, by_id)
    return out


def _blocker(session: Session, environment: str, c: Candidate, taken: Mapping[str, str]) -> str:
    """Why the object cannot be described by the layers as it is, or ""."""
    meta = c.item.get("metadata") or {}
    config = meta.get("configuration") or {}
    if c.kind == "connector":
        if meta.get("secret_id") or meta.get("secrets"):
            return (
                "its credentials are secrets on the server, which no layer may hold: declare "
                "them in platform.yaml, reference them as ${secret:NAME} and import it yourself"
            )
        return ""
    if c.kind != "component":
        return ""
    held = sorted(k for k in CREDENTIAL_KEYS & set(config) if config.get(k))
    if held:
        return (
            f"its configuration holds a credential ({', '.join(held)}), which no layer may "
            "hold: reference a secret as ${secret:NAME} in the layer and import it yourself"
        )
    connector = meta.get("connector")
    connector_id = connector.get("id") if isinstance(connector, dict) else connector
    if connector_id and connector_id not in _scope_connectors(environment, c, taken):
        return "it uses a service connector that is not the platform's connector of its scope"
    return ""


def _scope_connectors(environment: str, c: Candidate, taken: Mapping[str, str]) -> set[str]:
    """The ids of the connectors the component's slot may use (in the state)."""
    assert c.scope is not None
    addresses = ["module.base.zenml_service_connector.base[0]"]
    if c.scope.team:
        addresses.append(f'module.team["{c.scope.team}"].zenml_service_connector.team[0]')
    return {taken[a] for a in addresses if a in taken}


def _stack_slot(scope: Scope, ctype: str, session: Session) -> str:
    """The address of the component a stack of `scope` has for `ctype`."""
    spec = session.platform.spec
    if scope.project and ctype == "artifact_store":
        return f'module.project["{scope.project}"].zenml_stack_component.artifact_store'
    if scope.team and ctype in spec.teams[scope.team].components:
        return f'module.team["{scope.team}"].zenml_stack_component.team["{ctype}"]'
    return f'module.base.zenml_stack_component.base["{ctype}"]'


def _stack_blocker(
    session: Session,
    environment: str,
    c: Candidate,
    taken: Mapping[str, str],
    candidates: Mapping[str, Candidate],
) -> str:
    assert c.scope is not None
    comps = (c.item.get("metadata") or {}).get("components") or {}
    for ctype, items in sorted(comps.items()):
        if not items:
            continue
        member = items[0]
        slot = _stack_slot(c.scope, ctype, session)
        if taken.get(slot) == member["id"]:
            continue
        part = candidates.get(member["id"])
        if part is not None and part.address == slot:
            if part.reason:
                return f"its {ctype} {part.name} cannot be adopted: {part.reason}"
            continue
        return (
            f"its {ctype} {member.get('name')} is not the {ctype} the platform gives this "
            f"stack ({slot})"
        )
    return ""


# -- describing them in the layers -----------------------------------------------------------


def _pick(
    environment: str, candidates: list[Candidate], wanted: Sequence[str | tuple[str, str]]
) -> list[Candidate]:
    """The candidates named by id or (kind, name); a stack brings its components along."""
    chosen: list[Candidate] = []
    by_id = {c.id: c for c in candidates}
    for want in wanted:
        if isinstance(want, tuple):
            kind, name = want
            found = next((c for c in candidates if c.kind == kind and c.name == name), None)
            what = f"{kind} {name}"
        else:
            found, what = by_id.get(want), want
        if found is None:
            raise ZenMLTUIError(
                f"{what} cannot be adopted into {environment}: the state holds it already, "
                "another environment's labels claim it, or the server has no such object",
                kind=Kind.NOT_FOUND,
                hint="list what can be adopted: zenml-tui adopt --env ENV",
            )
        if not found.adoptable:
            raise ZenMLTUIError(
                f"{found.kind} {found.name} cannot be adopted: {found.reason}", kind=Kind.CONFIG
            )
        if found not in chosen:
            chosen.append(found)
        if found.kind == "stack":
            for items in ((found.item.get("metadata") or {}).get("components") or {}).values():
                part = by_id.get(items[0]["id"]) if items else None
                if part is not None and part not in chosen:
                    chosen.append(part)
    order = {"connector": 0, "component": 1, "stack": 2}
    return sorted(chosen, key=lambda c: order[c.kind])


def adopt_objects(
    session: Session,
    environment: str,
    wanted: Sequence[str | tuple[str, str]],
    buffers: Mapping[Path, str] | None = None,
    record: bool = True,
) -> Adoption:
    """The layer edits that describe the `wanted` objects (ids or (kind, name); applied
    over the editor's unsaved `buffers`), and, with `record`, their imports kept for the
    next plans (ops/adopt.py). Raises NOT_FOUND or CONFIG (with the reason) for an
    object that cannot be adopted."""
    chosen = _pick(environment, survey(session, environment), wanted)
    writer = _Writer(session, environment, buffers or {})
    notes: list[str] = []
    for c in chosen:
        if c.kind == "component":
            writer.component(c)
        elif c.kind == "connector":
            writer.connector(c)
    for c in chosen:
        if c.kind == "stack":
            notes.extend(writer.stack_notes(c))
    edits = writer.edits()
    notes.append(
        "the import adds the platform's labels (platform, environment, version, managed_by, "
        "…): the plan shows that as an update of the imported objects, still imports"
    )
    if record:
        adopt.add_pending(session.platform.state_dir, environment, [c.orphan for c in chosen])
    return Adoption(environment, chosen, edits, notes + writer.notes)


class _Writer:
    """Layer texts edited one value at a time, each checked by merging the scope."""

    def __init__(self, session: Session, environment: str, buffers: Mapping[Path, str]) -> None:
        self.session, self.environment = session, environment
        self.buffers = dict(buffers)
        self.texts: dict[Path, str] = {}
        self.originals: dict[Path, str] = {}
        self.refs: dict[Path, tuple[LayerRef, Scope]] = {}
        self.paths: dict[Path, list[str]] = {}
        self.notes: list[str] = []

    # -- texts
    def _layer(self, scope: Scope) -> tuple[LayerRef, Path]:
        platform = self.session.platform
        ref = platform.layers_for(scope)[-1]
        path = platform.layer_path(ref)
        if path not in self.texts:
            given = self.buffers.get(path)
            text = given if given is not None else layers.read_layer(self.session, path).saved
            self.texts[path] = self.originals[path] = text
            self.refs[path] = (ref, scope)
            self.paths[path] = []
        return ref, path

    def _merged(self, scope: Scope) -> MNode:
        with self.session.lock:
            return self.session.layering.scope(scope, {**self.buffers, **self.texts}).tree

    def _set(self, scope: Scope, keys: Sequence[str], value: Any) -> None:
        ref, path = self._layer(scope)
        try:
            self.texts[path] = set_value(self.texts[path], keys, value)
        except EditError as exc:
            raise ZenMLTUIError(
                f"{ref.label}: cannot set {'.'.join(keys)}: {exc}", kind=Kind.CONFIG
            ) from None
        self.paths[path].append(".".join(keys))

    def _unset(self, scope: Scope, keys: Sequence[str]) -> None:
        """Remove what the scope has at `keys`: the entry of the owning layer, or
        `!delete` where a lower layer defines it."""
        ref, path = self._layer(scope)
        node = lookup(self._merged(scope), tuple(keys))
        if node is None:
            return
        lower = any(p.layer != ref.label for p in node.prov.chain())
        try:
            text = self.texts[path]
            self.texts[path] = set_value(text, keys, DELETE) if lower else remove_key(text, keys)
        except EditError as exc:
            raise ZenMLTUIError(
                f"{ref.label}: cannot remove {'.'.join(keys)}: {exc}", kind=Kind.CONFIG
            ) from None
        self.paths[path].append(".".join(keys))

    # -- objects
    def component(self, c: Candidate) -> None:
        assert c.scope is not None and c.component_type is not None
        body, meta = c.item.get("body") or {}, c.item.get("metadata") or {}
        scope, ctype = c.scope, c.component_type
        base = ("components", ctype)
        flavor = body.get("flavor_name") or body.get("flavor")
        config: dict[str, Any] = dict(meta.get("configuration") or {})
        own = _own_labels(meta.get("labels") or {})
        node = lookup(self._merged(scope), base)
        if node is None or node.kind != MAP:
            block: dict[str, Any] = {"flavor": flavor}
            if config:
                block["configuration"] = config
            if own:
                block["labels"] = own
            self._set(scope, base, block)
        now = effective_component(_plain(lookup(self._merged(scope), base)) or {})
        if now.get("flavor") != flavor:
            self._set(scope, (*base, "flavor"), flavor)
        self._config(scope, base, config)
        self._labels(scope, base, own)
        connected = bool(meta.get("connector"))
        tree = self._merged(scope)
        has_connector = lookup(tree, ("connector",)) is not None
        now = _plain(lookup(tree, base))
        uses = now.get("use_connector", True) is not False
        if has_connector and uses != connected:
            self._set(scope, (*base, "use_connector"), connected)

    def _config(self, scope: Scope, base: tuple[str, ...], config: Mapping[str, Any]) -> None:
        tree = self._merged(scope)
        plain = _plain(lookup(tree, base))
        flavor = plain.get("flavor")
        override = (plain.get("by_flavor") or {}).get(flavor) or {}
        effective = effective_component(plain).get("configuration") or {}

        def where(key: str) -> tuple[str, ...]:
            if key in override:
                return (*base, "by_flavor", str(flavor), key)
            return (*base, "configuration", key)

        for key, value in config.items():
            if key not in effective or as_text(effective[key]) != as_text(value):
                self._set(scope, where(key), value)
        for key in effective:
            if key not in config:
                self._unset(scope, where(key))

    def _labels(self, scope: Scope, base: tuple[str, ...], own: Mapping[str, Any]) -> None:
        tree = self._merged(scope)
        shared_node, mine_node = lookup(tree, ("labels",)), lookup(tree, (*base, "labels"))
        shared, mine = _plain(shared_node), _plain(mine_node)
        for key, value in own.items():
            final = mine.get(key, shared.get(key))
            if final is None or as_text(final) != as_text(value):
                self._set(scope, (*base, "labels", key), value)
        for key in mine:
            if key not in own and key not in MODULE_LABELS:
                self._unset(scope, (*base, "labels", key))

    def connector(self, c: Candidate) -> None:
        assert c.scope is not None
        body, meta = c.item.get("body") or {}, c.item.get("metadata") or {}
        ctype = body.get("connector_type")
        ctype = ctype.get("connector_type") if isinstance(ctype, dict) else ctype
        rts = body.get("resource_types") or []
        want: dict[str, Any] = {"type": ctype, "auth_method": body.get("auth_method")}
        if len(rts) == 1:
            want["resource_type"] = rts[0]
        if body.get("resource_id"):
            want["resource_id"] = body.get("resource_id")
        config: dict[str, Any] = dict(meta.get("configuration") or {})
        own = _own_labels(meta.get("labels") or {})
        base = ("connector",)
        scope = c.scope
        node = lookup(self._merged(scope), base)
        if node is None or node.kind != MAP:
            block = {**want, **({"configuration": config} if config else {})}
            if own:
                block["labels"] = own
            self._set(scope, base, block)
        now = _plain(lookup(self._merged(scope), base)) or {}
        for key, value in want.items():
            if now.get(key) != value:
                self._set(scope, (*base, key), value)
        effective = now.get("configuration") or {}
        for key, value in config.items():
            if key not in effective or as_text(effective[key]) != as_text(value):
                self._set(scope, (*base, "configuration", key), value)
        for key in effective:
            if key not in config:
                self._unset(scope, (*base, "configuration", key))
        self._labels(scope, base, own)

    def stack_notes(self, c: Candidate) -> list[str]:
        """What the plan will still change on the stack: components the layers give it
        that it lacks, labels of its own that go."""
        assert c.scope is not None
        meta = c.item.get("metadata") or {}
        has = {t for t, items in (meta.get("components") or {}).items() if items}
        gets = self._stack_types(c.scope)
        out = [
            f"the layers give {c.name} a {t} it lacks: the import also adds it to the stack"
            for t in sorted(gets - has)
        ]
        lost = sorted(_own_labels(meta.get("labels") or {}))
        if lost:
            out.append(
                f"{c.name}'s own labels ({', '.join(lost)}) go with the import: a stack "
                "carries its scope's labels only"
            )
        return out

    def _stack_types(self, scope: Scope) -> set[str]:
        env_components = _plain(lookup(self._merged(Scope(scope.environment)), ("components",)))
        types = {t for t in env_components or {} if t in BASE_STACK_TYPES}
        if scope.team:
            team = self.session.platform.spec.teams[scope.team]
            team_components = _plain(
                lookup(self._merged(Scope(scope.environment, scope.team)), ("components",))
            )
            types |= {t for t in team.components if t in (team_components or {})}
        if scope.project:
            types.add("artifact_store")
        return types

    # -- the result
    def edits(self) -> list[LayerEdit]:
        """One edit per layer that changed, least specific first, each checked: the
        scope merges without an error it did not have before."""
        out: list[LayerEdit] = []
        for path, text in self.texts.items():
            if text == self.originals[path]:
                continue
            ref, scope = self.refs[path]
            with self.session.lock:
                before = self.session.layering.scope(scope, self.buffers)
                after = self.session.layering.scope(scope, {**self.buffers, **self.texts})
            known = {(e.code, e.path) for e in before.errors}
            added = [e for e in after.errors if (e.code, e.path) not in known]
            if added:
                raise ZenMLTUIError(
                    f"describing the objects in {ref.label} would not be valid",
                    kind=Kind.CONFIG,
                    diagnostics=added,
                    hint="adopt them by hand: write the layer, then plan",
                )
            edit = LayerEdit(path, ref.label, scope.short, self.originals[path], text)
            edit.paths = list(dict.fromkeys(self.paths[path]))
            where = locate(text, edit.paths[0].split(".")) if edit.paths else None
            if where is not None:
                edit.line, edit.col = where
            out.append(edit)
        rank = {"env": 0, "team": 1, "project": 2}
        return sorted(out, key=lambda e: rank.get(e.label.split(":")[0], 3))


def _plain(node: MNode | None) -> Any:
    return to_plain(node) if node is not None else {}


def pending(session: Session, environment: str) -> list[adopt.Orphan]:
    """The adoptions recorded for the environment's next plans."""
    return adopt.pending(session.platform.state_dir, environment)


def _own_labels(labels: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in labels.items() if k not in MODULE_LABELS}


__all__ = ["Adoption", "Candidate", "adopt_objects", "pending", "survey"]
