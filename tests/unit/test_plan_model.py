"""The plan model on plan JSON captured from real Terraform runs
(tests/fixtures/plans/regenerate.py writes the fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zenml_tui.terraform.plan import SENSITIVE, UNKNOWN, PlanModel, action_of
from zenml_tui.terraform.planread import PlanReadError, read_plan

FIXTURES = Path(__file__).parents[1] / "fixtures" / "plans"
SECRET = "fixture-sensitive-value-7f3a"


@pytest.fixture(scope="module")
def actions() -> PlanModel:
    return PlanModel.from_json((FIXTURES / "actions.json").read_text())


@pytest.fixture(scope="module")
def drift() -> PlanModel:
    return PlanModel.from_json((FIXTURES / "drift.json").read_text())


def test_every_action_is_grouped(actions: PlanModel) -> None:
    assert actions.counts == {
        "create": 1,
        "import": 0,
        "update": 2,
        "replace": 1,
        "delete": 1,
        "read": 1,
        "no-op": 1,
    }
    groups = actions.by_action()
    assert [c.address for c in groups["create"]] == ["terraform_data.created"]
    assert [c.address for c in groups["replace"]] == ["terraform_data.replaced"]
    assert [c.address for c in groups["delete"]] == ["terraform_data.removed"]
    assert [c.address for c in groups["read"]] == ["data.terraform_remote_state.deferred"]
    assert [c.address for c in groups["no-op"]] == ["terraform_data.kept"]
    assert actions.summary() == "1 to create, 2 to update, 1 to replace, 1 to delete"
    assert actions.has_changes


def test_replace_reason_and_paths(actions: PlanModel) -> None:
    (replaced,) = actions.by_action()["replace"]
    assert replaced.reason == "replace_because_cannot_update"
    assert replaced.replace_paths == [["triggers_replace"]]
    diffs = {d.path: d for d in replaced.diffs()}
    assert (diffs["triggers_replace[0]"].before, diffs["triggers_replace[0]"].after) == ("v1", "v2")
    assert diffs["triggers_replace[0]"].forces_replace
    assert diffs["id"].unknown and diffs["id"].after == UNKNOWN


def test_update_and_known_after_apply(actions: PlanModel) -> None:
    changed = next(c for c in actions.changes if c.address == "terraform_data.changed")
    diffs = {d.path: d for d in changed.diffs()}
    assert (diffs["input"].before, diffs["input"].after) == ("before", "after")
    assert diffs["output"].after == UNKNOWN


def test_create_shows_nested_values_and_delete_shows_before(actions: PlanModel) -> None:
    created = next(c for c in actions.changes if c.action == "create")
    diffs = {d.path: d for d in created.diffs()}
    assert diffs["input.nested[1]"].after == "b" and diffs["input.flag"].after is True
    assert diffs["input.flag"].kind == "added"
    removed = next(c for c in actions.changes if c.action == "delete")
    assert {d.path: d.kind for d in removed.diffs()}["input"] == "removed"
    assert removed.reason == "delete_because_no_resource_config"


def test_deferred_read(actions: PlanModel) -> None:
    (read,) = actions.by_action()["read"]
    assert read.reason == "read_because_config_unknown"
    assert {d.path: d.after for d in read.diffs()}["outputs"] == UNKNOWN


def test_sensitive_values_never_leave_the_model(actions: PlanModel) -> None:
    assert SECRET in (FIXTURES / "actions.json").read_text()  # the raw JSON holds it
    secret = next(c for c in actions.changes if c.address == "terraform_data.secret")
    diffs = {d.path: d for d in secret.diffs(include_unchanged=True)}
    assert diffs["input"].before == SENSITIVE and diffs["input"].after == SENSITIVE
    # terraform_data's output lost its mark in the prior state: masked all the same
    assert diffs["output"].before == SENSITIVE and diffs["output"].sensitive
    outputs = {o.name: o for o in actions.outputs}
    assert outputs["token"].after == SENSITIVE and outputs["token"].sensitive
    assert outputs["created"].unknown
    text = json.dumps(actions.to_dict())
    text += repr([c.diffs(include_unchanged=True) for c in actions.changes])
    assert SECRET not in text


def test_extra_secrets_are_masked_anywhere() -> None:
    model = PlanModel.from_json((FIXTURES / "actions.json").read_text(), {"after"})
    changed = next(c for c in model.changes if c.address == "terraform_data.changed")
    assert {d.path: d.after for d in changed.diffs()}["input"] == SENSITIVE


def test_drift_and_its_revert(drift: PlanModel) -> None:
    assert [(c.address, c.action) for c in drift.drift] == [
        ("zenml_stack_component.store", "update")
    ]
    outside = {d.path: d for d in drift.drift[0].diffs()}
    assert (outside["labels.owner"].before, outside["labels.owner"].after) == (
        "terraform",
        "someone-else",
    )
    (revert,) = drift.changes
    labels = {d.path: d for d in revert.diffs()}["labels.owner"]
    assert (labels.before, labels.after) == ("someone-else", "terraform")
    assert "configuration" not in {d.path for d in revert.diffs()}


@pytest.mark.parametrize(
    ("actions_list", "expected"),
    [
        (["create"], "create"),
        (["delete", "create"], "replace"),
        (["create", "delete"], "replace"),
        (["no-op"], "no-op"),
        (["read"], "read"),
        (["forget"], "delete"),
    ],
)
def test_action_of(actions_list: list[str], expected: str) -> None:
    assert action_of(actions_list) == expected


def test_no_change_plan_from_its_event_stream() -> None:
    events = [
        {"type": "version", "terraform": "1.15.5"},
        {"type": "change_summary", "changes": {"add": 0, "change": 0, "remove": 0}},
        {"type": "outputs", "outputs": {"token": {"sensitive": True, "action": "noop"}}},
    ]
    model = PlanModel.from_events(events)
    assert not model.has_changes and model.changes == [] and model.drift == []
    assert model.terraform_version == "1.15.5"
    assert [(o.name, o.sensitive, o.after) for o in model.outputs] == [("token", True, None)]


@pytest.mark.parametrize("fixture", ["actions.json", "drift.json"])
def test_a_plan_read_in_a_child_process_is_the_same_model(fixture: str) -> None:
    """Large plans are parsed in a child process (so the app never holds the GIL for a
    long json.loads); forced here on the captured plans: the same model, diffs and masks."""
    text = (FIXTURES / fixture).read_text()
    local = PlanModel.from_json(text, {"res-12"})
    isolated = read_plan(text, {"res-12"}, isolate_bytes=0)
    assert isinstance(isolated.changes[0].source, str)  # decoded only when looked at
    assert isolated.counts == local.counts
    assert isolated.outputs == local.outputs
    assert isolated.terraform_version == local.terraform_version
    for mine, theirs in ((isolated.changes, local.changes), (isolated.drift, local.drift)):
        assert [c.address for c in mine] == [c.address for c in theirs]
        assert [(c.action, c.reason, c.replace_paths) for c in mine] == [
            (c.action, c.reason, c.replace_paths) for c in theirs
        ]
        assert [c.diffs() for c in mine] == [c.diffs() for c in theirs]
    assert SECRET not in json.dumps(isolated.to_dict())


def test_a_broken_plan_read_in_a_child_process_says_so_without_its_content() -> None:
    text = '{"resource_changes": [{"address": "' + SECRET + '"'  # cut off mid-document
    with pytest.raises(PlanReadError) as caught:
        read_plan(text, isolate_bytes=0)
    assert "reading the plan failed" in str(caught.value)
    assert SECRET not in str(caught.value)
