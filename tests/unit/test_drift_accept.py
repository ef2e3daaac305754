"""Accepting drift, without a server: a status report as the server would give it, traced
to the layers of a copy of the example, and the layer edits accept makes by its rule
(the most specific layer of the object's scope, at the object's own key; in place where
that layer sets it; removed or `!delete` for a label removed on the server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cli
from zenml_tui.errors import Kind, ZenMLTUIError
from zenml_tui.ops import drift
from zenml_tui.ops.session import open_session
from zenml_tui.platform.nodes import lookup
from zenml_tui.server.status import Changed, LiveObject, StatusReport

TRACKER = 'module.team["training"].zenml_stack_component.team["experiment_tracker"]'
STORE = 'module.base.zenml_stack_component.base["artifact_store"]'
TEAM_STACK = 'module.team["training"].zenml_stack.team'


def report(session, address: str, *changes: Changed) -> StatusReport:
    out = StatusReport("local", "http://127.0.0.1:1", "0.98.0")
    obj = LiveObject("component", "id-1", "x", "", {}, True, address, "changed", list(changes))
    out.objects = [obj]
    out.traced = drift.traced(session, "local", out)
    return out


def merged(session, *path: str, team: str | None = None, text: dict | None = None):
    from zenml_tui.platform.definition import Scope

    node = lookup(session.layering.scope(Scope("local", team), text).tree, path)
    return None if node is None else node.value


def test_a_label_the_team_layer_sets_changes_in_place(example_copy: Path) -> None:
    session = open_session(example_copy)
    r = report(session, TRACKER, Changed("labels.purpose", "experiments", "research"))
    (d,) = r.traced["id-1"]
    assert d.origin.layer == "team:training" and d.acceptable
    found = drift.accept(session, "local", r, TRACKER)
    (edit,) = found.edits
    layer = example_copy / "layers" / "team" / "training.yaml"
    assert edit.layer == layer and edit.scope == "local/training"
    assert edit.after == layer.read_text().replace("purpose: experiments", "purpose: research")
    assert (edit.line, edit.col) == (d.origin.line, d.origin.col)  # where the value was
    assert "applies in every environment" in edit.notes[0]
    assert "+      purpose: research" in edit.diff(example_copy)


def test_a_label_removed_on_the_server_is_removed_from_its_layer(example_copy: Path) -> None:
    session = open_session(example_copy)
    r = report(session, TRACKER, Changed("labels.purpose", "experiments", None))
    (edit,) = drift.accept(session, "local", r, TRACKER).edits
    assert "    labels: {}\n" in edit.after and "purpose" not in edit.after.split("labels")[-1]
    path = ("components", "experiment_tracker", "labels", "purpose")
    assert merged(session, *path, team="training", text={edit.layer: edit.after}) is None


def test_a_label_a_lower_layer_sets_is_deleted_in_the_owning_layer(example_copy: Path) -> None:
    """purpose comes from the team layer; the project's artifact store is owned by the
    project layer, which sets !delete over it: the team's other objects keep it."""
    session = open_session(example_copy)
    team = example_copy / "layers" / "team" / "training.yaml"
    team.write_text(
        team.read_text().replace(
            "  experiment_tracker:", "  artifact_store:\n    labels:\n      tier: gold\n"
            "  experiment_tracker:"
        )
    )  # fmt: skip
    address = 'module.project["fraud_detection"].zenml_stack_component.artifact_store'
    r = report(session, address, Changed("labels.tier", "gold", None))
    (edit,) = drift.accept(session, "local", r, address).edits
    assert edit.label == "project:fraud_detection"
    assert "      tier: !delete\n" in edit.after
    assert team.read_text().count("tier: gold") == 1  # the lower layer is left alone


def test_a_label_no_layer_sets_is_added_where_the_object_is_configured(
    example_copy: Path,
) -> None:
    session = open_session(example_copy)
    r = report(session, STORE, Changed("labels.owner", None, "ml: platform"))
    (d,) = r.traced["id-1"]
    assert d.origin.text == "no layer sets labels.owner in local"
    (edit,) = drift.accept(session, "local", r, STORE).edits
    layer = example_copy / "layers" / "env" / "local.yaml"
    assert edit.layer == layer
    assert edit.after.startswith(layer.read_text().split("  container_registry")[0])
    assert '    labels:\n      owner: "ml: platform"\n' in edit.after
    assert merged(session, "components", "artifact_store", "labels", "owner",
                  text={layer: edit.after}) == "ml: platform"  # fmt: skip


def test_a_stacks_label_goes_into_the_scopes_labels_with_a_note(example_copy: Path) -> None:
    session = open_session(example_copy)
    r = report(session, TEAM_STACK, Changed("labels.cost_center", None, "cc-42"))
    (edit,) = drift.accept(session, "local", r, TEAM_STACK).edits
    assert edit.after.endswith("labels:\n  cost_center: cc-42\n")
    assert any("labels every object of local/training" in n for n in edit.notes)


def test_what_no_layer_makes_is_refused_with_the_reason(example_copy: Path) -> None:
    session = open_session(example_copy)
    r = report(
        session,
        TRACKER,
        Changed("labels.team", "training", "other"),
        Changed("name", "local-training-experiment-tracker", "renamed"),
        Changed("labels.purpose", "experiments", "research"),
    )
    refusals = {d.attribute: d.refusal for d in r.traced["id-1"]}
    assert refusals["labels.team"] == "added by the module (team), not by a layer: restore it"
    assert refusals["name"].startswith("named by the module")
    found = drift.accept(session, "local", r, TRACKER)
    assert len(found.edits) == 1 and len(found.refused) == 2
    with pytest.raises(ZenMLTUIError) as nothing:
        drift.accept(session, "local", r, TRACKER, ["labels.team"])
    assert nothing.value.kind is Kind.CONFIG and "restore it instead" in nothing.value.hint
    with pytest.raises(ZenMLTUIError) as unknown:
        drift.accept(session, "local", r, STORE)
    assert unknown.value.kind is Kind.NOT_FOUND


def test_an_unsaved_buffer_is_what_accept_edits(example_copy: Path) -> None:
    session = open_session(example_copy)
    layer = example_copy / "layers" / "team" / "training.yaml"
    buffer = "# typed, not saved\n" + layer.read_text()
    r = report(session, TRACKER, Changed("labels.purpose", "experiments", "research"))
    (edit,) = drift.accept(session, "local", r, TRACKER, buffers={layer: buffer}).edits
    assert edit.before == buffer
    assert edit.after.startswith("# typed, not saved\n") and "purpose: research" in edit.after


def test_cli_usage_of_accept_and_adopt(example_copy: Path) -> None:
    r = cli("status", "--env", "local", "--write", "--platform", str(example_copy))
    assert r.returncode == 2 and "--write goes with --accept" in r.stderr
    r = cli("adopt", "--env", "local", "stack", "--platform", str(example_copy))
    assert r.returncode == 2 and "KIND NAME pairs" in r.stderr
    r = cli("adopt", "--env", "local", "pipeline", "x", "--platform", str(example_copy))
    assert r.returncode == 2
