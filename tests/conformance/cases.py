"""The conformance cases, generated from the bundled provider's own schema.

Every optional attribute of every resource gets the same cases, and every resource its
`name`; a new attribute is covered without new code. The values an attribute takes come
from its type (`VALUES_BY_KIND`) unless `samples.SAMPLES` gives ones that mean something
to ZenML (a connector reference, a resource type the connector has). Each case is an
object on the server, named by the run's prefix, so one configuration per phase holds
them all and a phase costs one plan and one apply, not one per case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.conformance.samples import (
    ANCHORS,
    BASES,
    NOT_APPLICABLE,
    SAMPLES,
    SHORT,
    Ref,
    Sample,
)

OMIT: Any = type("Omit", (), {"__repr__": lambda self: "OMIT"})()  # not written at all


@dataclass(frozen=True)
class Attr:
    """One attribute of a resource schema, as the provider declares it."""

    name: str
    kind: str  # string, bool, map
    required: bool
    optional: bool
    computed: bool
    sensitive: bool
    replace: bool
    default: Any


def _kind(typ: Any) -> str:
    from tf import types as t

    if isinstance(typ, t.Bool):
        return "bool"
    if isinstance(typ, t.Map):
        return "map"
    if isinstance(typ, t.String):
        return "string"
    return type(typ).__name__.lower()


def _attr(a: Any) -> Attr:
    """A `tf` schema attribute as the cases read it."""
    from tf.types import Unknown

    return Attr(
        a.name,
        _kind(a.type),
        bool(a.required),
        bool(a.optional),
        bool(a.computed),
        bool(a.sensitive),
        bool(a.requires_replace),
        None if a.default is Unknown else a.default,
    )


def resource_schemas() -> dict[str, dict[str, Attr]]:
    """zenml_<resource> -> attribute -> Attr, from the provider's resource classes."""
    from zenml_tui.provider.provider import ZenMLProvider

    return {
        f"zenml_{klass.get_name()}": {a.name: _attr(a) for a in klass.get_schema().attributes}
        for klass in ZenMLProvider().get_resources()
    }


def data_source_schemas() -> dict[str, dict[str, Attr]]:
    from zenml_tui.provider.provider import ZenMLProvider

    return {
        f"zenml_{klass.get_name()}": {a.name: _attr(a) for a in klass.get_schema().attributes}
        for klass in ZenMLProvider().get_data_sources()
    }


VALUES_BY_KIND: dict[str, Sample] = {
    "string": Sample("value-one", "value-two", ""),
    "map": Sample({"k": "one"}, {"k": "two", "k2": "added"}, {}),
    "bool": Sample(True, False, NOT_APPLICABLE),
}

# the variants of an optional attribute: its value in phase 1 (create) and phase 2
# (update); "set"/"set2"/"empty" stand for the sample's values
VARIANTS: dict[str, tuple[str, str]] = {
    "omitted": ("omit", "set"),  # phase 2: added
    "null": ("null", "null"),  # later: deleted behind Terraform's back
    "empty": ("empty", "empty"),
    "updated": ("set", "set2"),  # later: changed behind Terraform's back
    "removed": ("set", "omit"),
}


@dataclass
class Instance:
    """One object of the suite: a resource block and what each phase writes in it."""

    resource: str
    attr: str
    variant: str
    block: str  # the resource block's name
    name: str  # the object's name on the server
    phases: list[dict[str, Any]] = field(default_factory=list)  # attribute values by phase
    drift: bool = True  # changed behind Terraform's back, if it is the updated variant

    @property
    def address(self) -> str:
        return f"{self.resource}.{self.block}"


@dataclass(frozen=True)
class Case:
    """One row of the table: what is checked, for which attribute."""

    resource: str
    attr: str
    case: str


def sample(resource: str, attr: Attr) -> Sample:
    return SAMPLES.get((resource, attr.name)) or VALUES_BY_KIND[attr.kind]


def _value(s: Sample, which: str) -> Any:
    return {"omit": OMIT, "null": None, "set": s.set, "set2": s.set2, "empty": s.empty}[which]


def tested_attributes(schemas: dict[str, dict[str, Attr]]) -> dict[str, list[Attr]]:
    """Per resource: its optional attributes, and the required ones `samples.SAMPLES`
    gives a second value (every resource's `name`, the ones that force replacement)."""
    return {
        r: [a for a in attrs.values() if a.optional or (a.required and (r, a.name) in SAMPLES)]
        for r, attrs in schemas.items()
    }


def instances(prefix: str, schemas: dict[str, dict[str, Attr]]) -> list[Instance]:
    out: list[Instance] = []
    for resource, attrs in tested_attributes(schemas).items():
        for attr in attrs:
            s = sample(resource, attr)
            variants = VARIANTS if attr.optional else {"updated": ("set", "set2")}
            for variant, (first, second) in variants.items():
                if "empty" in (first, second) and s.empty is NOT_APPLICABLE:
                    continue
                block = f"{SHORT[resource]}_{attr.name}_{variant}"
                name = f"{prefix}-{SHORT[resource]}-{attr.name}-{variant}".replace("_", "-")
                inst = Instance(resource, attr.name, variant, block, name, drift=s.drift)
                for which in (first, second):
                    values = {**BASES[resource], **s.companions, "name": name}
                    if attr.name == "name":
                        values["name"] = name if which == "set" else f"{name}-b"
                    else:
                        values[attr.name] = _value(s, which)
                    inst.phases.append(values)
                out.append(inst)
    return out


PHASE2 = {"set2": "update", "set": "add", "omit": "remove"}

# the table's columns, in order
COLUMNS = (
    "create omitted",
    "create null",
    "create empty",
    "create set",
    "add",
    "update",
    "remove",
    "import",
    "changed behind Terraform's back",
    "deleted behind Terraform's back",
    "destroy",
)


def instance_cases(inst: Instance) -> list[str]:
    """What the suite checks on one object: its cases, in the table's words."""
    first, second = VARIANTS[inst.variant]
    out = [f"create {first.replace('omit', 'omitted')}"]
    if first != second:
        out.append(PHASE2[second])
    out.append("import")
    if inst.variant == "updated" and inst.drift:
        out.append("changed behind Terraform's back")
    if inst.variant == "null":
        out.append("deleted behind Terraform's back")
    out.append("destroy")
    return out


def cases(schemas: dict[str, dict[str, Attr]]) -> list[Case]:
    """The table's rows: every (resource, attribute, case) the suite checks."""
    rows = [
        Case(inst.resource, inst.attr, c)
        for inst in instances("x", schemas)
        for c in instance_cases(inst)
    ]
    for ds, lookups in data_lookups(data_source_schemas()).items():
        for label, _inputs in lookups:
            rows.append(Case(f"data.{ds}", "lookup", label))
    return rows


def data_lookups(schemas: dict[str, dict[str, Attr]]) -> dict[str, list[tuple[str, list[str]]]]:
    """Per data source: (case, inputs): a lookup by id, by name, by name and each other
    optional input, of a missing id and name, and of a name with a wrong other input."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for ds, attrs in schemas.items():
        inputs = [a.name for a in attrs.values() if a.optional]
        keys = [i for i in ("id", "name") if i in inputs]
        others = [i for i in inputs if i not in keys]
        rows: list[tuple[str, list[str]]] = [] if inputs else [("read", [])]
        rows += [(f"by {i}", [i]) for i in keys]
        if "name" in keys:
            rows += [(f"by name and {i}", ["name", i]) for i in others]
        rows += [(f"missing {i}", [i]) for i in keys]
        if "name" in keys:
            rows += [(f"wrong {i}", ["name", i]) for i in others]
        out[ds] = rows
    return out


def hcl(value: Any, refs: dict[str, str] | None = None) -> str:
    """A Python value as an HCL expression."""
    if isinstance(value, Ref):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {hcl(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


HEADER = """terraform {
  required_providers {
    zenml = { source = "zenml-io/zenml" }
  }
}
provider "zenml" {}
"""


def block(resource: str, name: str, values: dict[str, Any]) -> str:
    lines = [f'resource "{resource}" "{name}" {{']
    for k, v in values.items():
        if v is not OMIT:
            lines.append(f"  {k} = {hcl(v)}")
    return "\n".join([*lines, "}"])


def configuration(prefix: str, insts: list[Instance], phase: int, extra: str = "") -> str:
    """The phase's whole configuration: anchors, every instance, `extra`."""
    parts = [HEADER, ANCHORS.replace("PREFIX", prefix)]
    parts += [block(i.resource, i.block, i.phases[phase]) for i in insts]
    return "\n\n".join([*parts, extra]) + "\n"


def _flags(a: Attr) -> str:
    marks = (
        ("required", a.required),
        ("optional", a.optional),
        ("computed", a.computed),
        ("sensitive", a.sensitive),
        ("forces replacement", a.replace),
    )
    return ", ".join(f for f, on in marks if on)


def table(schemas: dict[str, dict[str, Attr]]) -> str:
    """The Markdown tables of tests/README.md: resources x attributes x cases (the number
    of objects each cell checks), then the data source lookups."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    lookups: dict[str, list[str]] = {}
    for c in cases(schemas):
        if c.resource.startswith("data."):
            lookups.setdefault(c.resource, []).append(c.case)
            continue
        cell = counts.setdefault((c.resource, c.attr), {})
        cell[c.case] = cell.get(c.case, 0) + 1
    out = [
        "| resource | attribute | schema | " + " | ".join(COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(COLUMNS),
    ]
    for (resource, attr), cell in counts.items():
        marks = " | ".join(str(cell[k]) if k in cell else "—" for k in COLUMNS)
        out.append(f"| `{resource}` | `{attr}` | {_flags(schemas[resource][attr])} | {marks} |")
    out += ["", "| data source | lookups |", "|---|---|"]
    out += [f"| `{ds}` | {', '.join(names)} |" for ds, names in lookups.items()]
    return "\n".join(out)


if __name__ == "__main__":  # the table of tests/README.md
    print(table(resource_schemas()))
