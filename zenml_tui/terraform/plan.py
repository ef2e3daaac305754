"""The plan model: Terraform's `show -json` of a saved plan, as a review.

Pure (no I/O). Resource changes are grouped by action (create, update, replace with its
reason and paths, delete, read, no-op), drift and output changes are kept, and counts
summarise it. Attribute diffs are computed when asked for (a 10,000-change plan is
reviewed one resource at a time), and every value Terraform marks sensitive is masked:
the JSON Terraform prints holds sensitive values in the clear, the model never exposes
them, with one exception the caller proves: a value equal to a plain (non-secret) value
of the platform's layers (`Masks.harmless`) is shown inside a sensitive map, key by key,
so that a change of one configuration key reads as that key's before -> after. A value
equal to a secret is shown as «secret:NAME» (`Masks.names`).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeGuard

from zenml_tui.platform.trace import Origin

Tracer = Callable[[str, str], Origin | None]  # (address, attribute path) -> its origin

ACTIONS = ("create", "import", "update", "replace", "delete", "read", "no-op")
SENSITIVE = "(sensitive value)"
UNKNOWN = "(known after apply)"
# how a review marks each action, as Terraform's own plan output does
SYMBOL = {
    "create": "+",
    "import": "<-",
    "update": "~",
    "replace": "-/+",
    "delete": "-",
    "read": "<=",
}


@dataclass(frozen=True, slots=True)
class Masks:
    """What the model masks beyond Terraform's own marks, and what it may show.

    `secrets`: values masked wherever they appear (the run's secret values);
    `names`: exact value -> secret name, a masked value shown as «secret:NAME»;
    `harmless`: values the platform's layers hold in plain text, shown even where
    Terraform marks them sensitive (a key of a sensitive configuration map)."""

    secrets: frozenset[str] = frozenset()
    names: Mapping[str, str] = field(default_factory=dict)
    harmless: frozenset[str] = frozenset()


NO_MASKS = Masks()


def tf_string(value: Any) -> str | None:
    """A scalar as Terraform converts it to a string (a map(string)'s values), or None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def is_secret_mark(value: Any) -> TypeGuard[str]:
    """A value shown as «secret:NAME» (the secret's name in place of its value)."""
    return isinstance(value, str) and value.startswith("«secret:") and value.endswith("»")


def shown(value: Any) -> str:
    """A value in Terraform's words: strings quoted, `null`, `true`/`false`, numbers as
    numbers, collections as JSON; a masked or unknown value and «secret:NAME» as they are,
    an absent side as ""."""
    if value is ABSENT:
        return ""
    if is_secret_mark(value) or (isinstance(value, str) and value in (SENSITIVE, UNKNOWN)):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def action_of(actions: list[str]) -> str:
    if len(actions) == 2 and set(actions) == {"create", "delete"}:
        return "replace"
    if actions in (["create"], ["update"], ["delete"], ["read"], ["no-op"]):
        return actions[0]
    if actions == ["forget"]:
        return "delete"
    return "-".join(actions) or "no-op"


@dataclass(frozen=True, slots=True)
class AttrDiff:
    """One leaf attribute: before and after as they may be shown."""

    path: str
    before: Any
    after: Any
    unknown: bool = False
    sensitive: bool = False
    forces_replace: bool = False
    revealed: bool = False  # Terraform marks it sensitive; shown as a plain layer value
    origin: Origin | None = None  # the layer value that makes it (set by a tracer)

    @property
    def kind(self) -> str:
        if self.before is ABSENT:
            return "added"
        if self.after is ABSENT:
            return "removed"
        return "changed"


class _Absent:
    """The side of a diff where the attribute does not exist (added or removed)."""

    def __repr__(self) -> str:
        return "(absent)"

    def __str__(self) -> str:
        return ""


ABSENT = _Absent()


def _sens(marks: Any, key: Any) -> Any:
    if marks is True:
        return True
    if isinstance(marks, dict):
        return marks.get(key, False)
    if isinstance(marks, list) and isinstance(key, int) and key < len(marks):
        return marks[key]
    return False


def _masked(value: Any, masks: Masks) -> Any:
    """How a sensitive value is shown: «secret:NAME» when it is that secret."""
    name = masks.names.get(value) if isinstance(value, str) else None
    return f"«secret:{name}»" if name else SENSITIVE


def _sensitive_leaves(
    value: Any, path: str, masks: Masks
) -> Iterator[tuple[str, Any, bool, bool, Any, bool]]:
    """The leaves below a sensitive mark: a map or list key by key (keys are schema
    names, never secret), each value masked unless the layers hold it in plain text."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _sensitive_leaves(v, f"{path}.{k}" if path else str(k), masks)
        return
    if isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _sensitive_leaves(v, f"{path}[{i}]", masks)
        return
    if value is None and masks.harmless:  # a null holds nothing to hide
        yield path, None, False, False, None, True
        return
    text = tf_string(value)
    if (
        text is not None
        and text in masks.harmless
        and not any(x in text for x in masks.secrets)
        and text not in masks.names
    ):
        yield path, value, False, False, value, True
        return
    yield path, _masked(value, masks), False, True, value, False


def _leaves(
    value: Any, marks: Any, unknown: Any, path: str, masks: Masks = NO_MASKS
) -> Iterator[tuple[str, Any, bool, bool, Any, bool]]:
    """(path, shown value, unknown, sensitive, raw value, revealed) for every leaf. The
    raw value is only ever compared, never shown. A string holding a known secret is
    masked even where Terraform did not mark it (a value derived from a sensitive one can
    lose its mark, e.g. terraform_data's output in the prior state)."""
    secrets = masks.secrets
    if marks is True:
        if masks.harmless or masks.names:
            yield from _sensitive_leaves(value, path, masks)
        else:
            yield path, SENSITIVE, False, True, value, False
        return
    if unknown is True:
        yield path, UNKNOWN, True, False, None, False
        return
    if isinstance(value, dict) and (value or (isinstance(unknown, dict) and any(unknown.values()))):
        for k, v in value.items():
            sub = f"{path}.{k}" if path else str(k)
            yield from _leaves(v, _sens(marks, k), _sens(unknown, k), sub, masks)
        if isinstance(unknown, dict):
            for k, u in unknown.items():
                if k not in value and u:
                    yield (f"{path}.{k}" if path else str(k)), UNKNOWN, True, False, None, False
        return
    if isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _leaves(v, _sens(marks, i), _sens(unknown, i), f"{path}[{i}]", masks)
        return
    if value is None and unknown:
        yield path, UNKNOWN, True, False, None, False
        return
    if secrets and isinstance(value, str) and any(x in value for x in secrets):
        yield path, _masked(value, masks), False, True, value, False
        return
    yield path, value, False, False, value, False


def _replace_roots(paths: list[list[Any]]) -> set[str]:
    out = set()
    for p in paths or []:
        text = ""
        for seg in p:
            text += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if text else str(seg))
        out.add(text)
    return out


def attribute_diffs(
    change: dict[str, Any],
    include_unchanged: bool = False,
    secrets: frozenset[str] | Masks = frozenset(),
) -> list[AttrDiff]:
    """Leaf-level before -> after of one `change` object, masked."""
    masks = secrets if isinstance(secrets, Masks) else Masks(secrets)
    before = dict(_iter_leaves(change.get("before"), change.get("before_sensitive"), False, masks))
    after = dict(
        _iter_leaves(
            change.get("after"), change.get("after_sensitive"), change.get("after_unknown"), masks
        )
    )
    forced = _replace_roots(change.get("replace_paths") or [])
    missing = (ABSENT, False, False, ABSENT, False)
    out: list[AttrDiff] = []
    for path in sorted(set(before) | set(after)):
        b = before.get(path, missing)
        a = after.get(path, missing)
        same = b[3] == a[3] and not a[1]
        if same and not include_unchanged:
            continue
        root = path.split(".")[0].split("[")[0]
        out.append(
            AttrDiff(
                path,
                b[0],
                a[0],
                unknown=a[1],
                sensitive=b[2] or a[2],
                forces_replace=path in forced
                or root in forced
                or any(path.startswith(f + ".") for f in forced),
                revealed=b[4] or a[4],
            )
        )
    return out


def _iter_leaves(
    value: Any, marks: Any, unknown: Any, masks: Masks = NO_MASKS
) -> Iterator[tuple[str, tuple[Any, bool, bool, Any, bool]]]:
    if value is None and not unknown:
        return
    for path, shown, is_unknown, is_sensitive, raw, revealed in _leaves(
        value, marks, unknown, "", masks
    ):
        yield path, (shown, is_unknown, is_sensitive, raw, revealed)


@dataclass(slots=True)
class ResourceChange:
    address: str
    type: str
    name: str
    module: str | None
    action: str
    reason: str | None
    replace_paths: list[list[Any]]
    source: dict[str, Any] | str = field(repr=False)  # the resource change, or its JSON
    masks: Masks = field(default=NO_MASKS, repr=False)
    importing: str | None = None  # the id of the object an import adopts
    tracer: Tracer | None = field(default=None, repr=False)

    @property
    def raw(self) -> dict[str, Any]:
        """Terraform's resource change object (decoded on first use when the change was
        read as JSON text: a review of 10,000 changes decodes the ones looked at)."""
        if isinstance(self.source, str):
            decoded: dict[str, Any] = json.loads(self.source)
            self.source = decoded
            return decoded
        return self.source

    def diffs(self, include_unchanged: bool = False) -> list[AttrDiff]:
        out = attribute_diffs(self.raw.get("change") or {}, include_unchanged, self.masks)
        if self.tracer is None:
            return out
        trace = self.tracer
        return [replace(d, origin=trace(self.address, d.path)) for d in out]

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "action": self.action,
            "reason": self.reason,
            "replace_paths": self.replace_paths,
            "attributes": [
                {
                    "path": d.path,
                    "before": None if d.before is ABSENT else d.before,
                    "after": None if d.after is ABSENT else d.after,
                    "unknown": d.unknown,
                    "sensitive": d.sensitive,
                    "forces_replace": d.forces_replace,
                    **({"revealed": True} if d.revealed else {}),
                    **({"origin": d.origin.to_dict()} if d.origin else {}),
                }
                for d in self.diffs()
            ],
        }


@dataclass(slots=True)
class OutputChange:
    name: str
    action: str
    before: Any
    after: Any
    unknown: bool
    sensitive: bool


def resource_change(rc: dict[str, Any], masks: Masks) -> ResourceChange:
    """One entry of `resource_changes` or `resource_drift`. An object being imported is
    an "import", whether or not it is updated too (its diff says)."""
    change = rc.get("change") or {}
    importing = (change.get("importing") or {}).get("id")
    action = action_of(change.get("actions") or [])
    if importing is not None and action in ("no-op", "update"):
        action = "import"
    return ResourceChange(
        address=rc.get("address", ""),
        type=rc.get("type", ""),
        name=rc.get("name", ""),
        module=rc.get("module_address"),
        action=action,
        reason=rc.get("action_reason"),
        replace_paths=change.get("replace_paths") or [],
        source=rc,
        masks=masks,
        importing=importing,
    )


def _shown(value: Any, sensitive: Any, unknown: Any, masks: Masks) -> tuple[Any, bool, bool]:
    if sensitive is True or (sensitive and not isinstance(sensitive, bool)):
        return _masked(value, masks), False, True
    if unknown is True:
        return UNKNOWN, True, False
    if masks.secrets and any(x in json.dumps(value) for x in masks.secrets):
        return _masked(value, masks), False, True
    return value, False, False


def output_change(name: str, oc: dict[str, Any], masks: Masks) -> OutputChange:
    """One entry of `output_changes`, masked."""
    before = _shown(oc.get("before"), oc.get("before_sensitive"), False, masks)
    after = _shown(oc.get("after"), oc.get("after_sensitive"), oc.get("after_unknown"), masks)
    return OutputChange(
        name,
        action_of(oc.get("actions") or []),
        before[0],
        after[0],
        after[1],
        before[2] or after[2],
    )


def _marked(value: Any, marks: Any) -> Iterator[str]:
    """The string leaves of `value` that `marks` flags sensitive."""
    if not marks or value is None:
        return
    if marks is True:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from _marked(v, True)
        elif isinstance(value, list):
            for v in value:
                yield from _marked(v, True)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield str(value)
        return
    if isinstance(marks, dict) and isinstance(value, dict):
        for k, m in marks.items():
            yield from _marked(value.get(k), m)
    elif isinstance(marks, list) and isinstance(value, list):
        for v, m in zip(value, marks, strict=False):
            yield from _marked(v, m)


def sensitive_values(doc: dict[str, Any]) -> frozenset[str]:
    """Every value the plan marks sensitive anywhere (resources, drift, outputs,
    sensitive variables), to mask wherever it shows up unmarked."""
    found: set[str] = set()
    for rc in (doc.get("resource_changes") or []) + (doc.get("resource_drift") or []):
        ch = rc.get("change") or {}
        found.update(_marked(ch.get("before"), ch.get("before_sensitive")))
        found.update(_marked(ch.get("after"), ch.get("after_sensitive")))
    for oc in (doc.get("output_changes") or {}).values():
        found.update(_marked(oc.get("before"), oc.get("before_sensitive")))
        found.update(_marked(oc.get("after"), oc.get("after_sensitive")))
    declared = ((doc.get("configuration") or {}).get("root_module") or {}).get("variables") or {}
    for name, var in (doc.get("variables") or {}).items():
        if (declared.get(name) or {}).get("sensitive"):
            found.update(_marked(var.get("value"), True))
    return frozenset(v for v in found if len(v) >= 4)


def model_masks(doc: dict[str, Any], given: frozenset[str] | set[str] | Masks) -> Masks:
    """The masks of one plan: the given secrets, and every value the plan marks
    sensitive anywhere that the layers do not hold in plain text."""
    masks = given if isinstance(given, Masks) else Masks(frozenset(given))
    marked = sensitive_values(doc) - masks.harmless
    return Masks(masks.secrets | frozenset(masks.names) | marked, masks.names, masks.harmless)


@dataclass
class PlanModel:
    changes: list[ResourceChange]
    drift: list[ResourceChange]
    outputs: list[OutputChange]
    terraform_version: str = ""
    errored: bool = False

    @classmethod
    def from_json(
        cls,
        data: str | bytes | dict[str, Any],
        secrets: frozenset[str] | set[str] | Masks = frozenset(),
    ) -> PlanModel:
        """`secrets`: values known to be secret (the TF_VAR_secrets of the run) to mask
        wherever they appear, in addition to what the plan marks sensitive; or the
        `Masks` with the secrets' names and the layers' plain values."""
        # the JSON is acyclic: pausing the cyclic GC while it is read avoids repeated
        # full collections over tens of thousands of new objects (3x faster at 10,000)
        paused = gc.isenabled()
        gc.disable()
        try:
            return cls._build(data, secrets)
        finally:
            if paused:
                gc.enable()

    @classmethod
    def _build(
        cls, data: str | bytes | dict[str, Any], secrets: frozenset[str] | set[str] | Masks
    ) -> PlanModel:
        doc = json.loads(data) if isinstance(data, str | bytes) else data
        known = model_masks(doc, secrets)
        changes = [resource_change(rc, known) for rc in doc.get("resource_changes") or []]
        drift = [resource_change(rc, known) for rc in doc.get("resource_drift") or []]
        outputs = [
            output_change(name, oc, known) for name, oc in (doc.get("output_changes") or {}).items()
        ]
        return cls(
            changes, drift, outputs, doc.get("terraform_version", ""), bool(doc.get("errored"))
        )

    @classmethod
    def from_events(cls, events: list[dict[str, Any]]) -> PlanModel:
        """The model of a plan with no changes and no drift, from its event stream alone
        (saves `terraform show -json`, a third of a small plan's time)."""
        outputs = []
        for event in events:
            if event.get("type") == "outputs":
                for name, out in (event.get("outputs") or {}).items():
                    sensitive = bool(out.get("sensitive"))
                    outputs.append(OutputChange(name, "no-op", None, None, False, sensitive))
        version = next((e.get("terraform", "") for e in events if e.get("type") == "version"), "")
        return cls([], [], outputs, version)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(ACTIONS, 0)
        for c in self.changes:
            out[c.action] = out.get(c.action, 0) + 1
        return out

    @property
    def has_changes(self) -> bool:
        c = self.counts
        return any(c[a] for a in ("create", "import", "update", "replace", "delete")) or any(
            o.action not in ("no-op",) for o in self.outputs
        )

    def trace_with(self, tracer: Tracer) -> None:
        """Name the origin of every attribute diff (the layer value that makes it)."""
        for c in (*self.changes, *self.drift):
            c.tracer = tracer

    def by_action(self) -> dict[str, list[ResourceChange]]:
        out: dict[str, list[ResourceChange]] = {a: [] for a in ACTIONS}
        for c in self.changes:
            out.setdefault(c.action, []).append(c)
        return out

    def summary(self) -> str:
        c = self.counts
        adopt = f"{c['import']} to import, " if c["import"] else ""
        return (
            f"{adopt}{c['create']} to create, {c['update']} to update, "
            f"{c['replace']} to replace, {c['delete']} to delete"
        )

    def to_dict(self, with_attributes: bool = True) -> dict[str, Any]:
        return {
            "terraform_version": self.terraform_version,
            "counts": self.counts,
            "changes": [
                c.to_dict() if with_attributes else {"address": c.address, "action": c.action}
                for c in self.changes
                if c.action != "no-op"
            ],
            "drift": [c.to_dict() for c in self.drift],
            "outputs": [
                {"name": o.name, "action": o.action, "before": o.before, "after": o.after}
                for o in self.outputs
            ],
        }


def model_differences(a: PlanModel, b: PlanModel, limit: int = 10) -> list[str]:
    """How two models of one plan differ, field by field (at most `limit` lines): the
    native reader is checked against `show -json` with it, in the tests and on request.
    The lines name what differs, never a value (a value may be a secret)."""
    out: list[str] = []

    def differ(what: str, x: Any, y: Any) -> None:
        if x != y and len(out) < limit:
            out.append(f"{what} differ" if what.endswith("s") else f"{what} differs")

    differ("terraform_version", a.terraform_version, b.terraform_version)
    differ("errored", a.errored, b.errored)
    differ("outputs", _outputs(a), _outputs(b))
    for what, xs, ys in (("change", a.changes, b.changes), ("drift", a.drift, b.drift)):
        differ(f"{what} addresses", [c.address for c in xs], [c.address for c in ys])
        for x, y in zip(xs, ys, strict=False):
            for name in ("type", "name", "module", "action", "reason", "importing"):
                differ(f"{x.address} {name}", getattr(x, name), getattr(y, name))
            differ(f"{x.address} replace_paths", x.replace_paths, y.replace_paths)
            differ(f"{x.address} masks", x.masks, y.masks)
            differ(f"{x.address} attributes", x.diffs(True), y.diffs(True))
            for side in ("before", "after"):
                differ(f"{x.address} {side}", _side(x, side), _side(y, side))
    return out


def _outputs(model: PlanModel) -> dict[str, tuple[Any, ...]]:
    return {o.name: (o.action, o.before, o.after, o.unknown, o.sensitive) for o in model.outputs}


def _side(change: ResourceChange, side: str) -> Any:
    return (change.raw.get("change") or {}).get(side)
