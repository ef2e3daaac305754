"""The infrastructure state's outputs as a layer (docs/infrastructure.md): what is kept
of a state, where it sits in the fold, its provenance, and what the tfvars get. The
state text is one Terraform 1.15.5 wrote (tests/integration/test_infra.py makes such
states for real and reads them through ops/infra.py); here it is data, given to the
layering engine the way ops/infra.py gives it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli
from zenml_tui.ops.session import open_session
from zenml_tui.platform.definition import Scope
from zenml_tui.platform.explain import explain
from zenml_tui.platform.infrastate import (
    INFRASTRUCTURE_KEYS,
    PROVENANCE_OP,
    StateUnreadable,
    from_state,
)
from zenml_tui.platform.render import build_tfvars, dump_json
from zenml_tui.platform.schema import Infrastructure
from zenml_tui.terraform.runs import fingerprint, fingerprint_parts

# as `terraform apply` of an outputs-only root writes it (Terraform 1.15.5)
STATE = """{
  "version": 4,
  "terraform_version": "1.15.5",
  "serial": 3,
  "lineage": "06c6ec1d-7bec-fce9-c0fe-5a4319d22113",
  "outputs": {
    "artifact_root": {
      "value": "gs://zenml-dev-1a2b-artifacts",
      "type": "string"
    },
    "bucket": {
      "value": "zenml-dev-1a2b-artifacts",
      "type": "string"
    },
    "extra": {
      "value": "x",
      "type": "string"
    },
    "ports": {
      "value": [1, 2],
      "type": ["tuple", ["number", "number"]]
    },
    "registry_uri": {
      "value": "${secret:GCP_DEV_SA_JSON}",
      "type": "string"
    },
    "runner_key": {
      "value": "SUPERSECRET-dev",
      "type": "string",
      "sensitive": true
    },
    "service_account": {
      "value": "zenml-dev-1a2b-runner@acme-ml-shared.iam.gserviceaccount.com",
      "type": "string"
    }
  },
  "resources": [],
  "check_results": null
}
"""
SOURCE = "/somewhere/.zenml-tui/infra-state/dev/terraform.tfstate"


def test_the_keys_fed_are_the_schemas_infrastructure_keys() -> None:
    assert set(INFRASTRUCTURE_KEYS) == set(Infrastructure.model_fields)


def test_what_is_kept_of_a_state_and_what_is_left_out_with_a_note() -> None:
    values = from_state(STATE, SOURCE)
    assert values is not None
    assert values.values() == {
        "bucket": "zenml-dev-1a2b-artifacts",
        "artifact_root": "gs://zenml-dev-1a2b-artifacts",
        "service_account": "zenml-dev-1a2b-runner@acme-ml-shared.iam.gserviceaccount.com",
    }
    assert (values.serial, values.lineage) == (3, "06c6ec1d-7bec-fce9-c0fe-5a4319d22113")
    notes = "\n".join(values.notes)
    for name in ("extra", "ports", "registry_uri", "runner_key"):
        assert f"output {name} " in notes
    assert "runner_key is sensitive" in notes
    assert "SUPERSECRET" not in notes + repr(values)  # a sensitive value is never kept
    # each output located at its name in the state text
    lines = STATE.splitlines()
    for o in values.outputs:
        assert lines[o.line - 1][o.col - 1 :].startswith(f'"{o.name}": {{')


@pytest.mark.parametrize("text", ["", "  \n"])
def test_an_empty_pull_is_no_state(text: str) -> None:
    assert from_state(text, SOURCE) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "JSON"),
        ('{"version": 3, "outputs": {}}', "version 3"),
        ('{"version": 4, "outputs": []}', "no outputs map"),
    ],
)
def test_a_text_that_is_no_state_is_refused(text: str, says: str) -> None:
    with pytest.raises(StateUnreadable, match=says):
        from_state(text, SOURCE)


def _fed(root: Path):
    session = open_session(root)
    values = from_state(STATE, SOURCE)
    assert session.layering.set_infrastructure("dev", values)
    assert not session.layering.set_infrastructure("dev", from_state(STATE, SOURCE))  # same
    return session


def test_the_state_is_a_layer_above_base_below_the_environment(example_copy: Path) -> None:
    session = _fed(example_copy)
    ex = explain(session.layering.scope(Scope("dev")), "infrastructure.bucket")
    assert ex.layers == ["base", "infra:dev", "env:dev"]
    assert ex.value == "zenml-dev-1a2b-artifacts"
    top = ex.chain[-1]
    assert (top.layer, top.op) == ("infra:dev", PROVENANCE_OP)
    assert (top.mark.file, top.mark.line) == (SOURCE, 11)
    assert ex.chain[0].layer == "base" and ex.chain[0].display == '"acme-ml-zenml-artifacts"'
    assert "from infrastructure state" in ex.format()
    # a value not in the state stays the layers' own
    project = explain(session.layering.scope(Scope("dev")), "infrastructure")
    assert project.value["project_id"] == "acme-ml-shared"
    # the references of every scope of the environment follow it
    res = session.layering.scope(Scope("dev", "training", "fraud_detection"))
    path = res.plain()["components"]["artifact_store"]["configuration"]["path"]
    assert path == "gs://zenml-dev-1a2b-artifacts/projects/fraud_detection/dev"
    # another environment is untouched
    local = session.layering.scope(Scope("staging"))
    assert local.plain()["infrastructure"]["bucket"] == "acme-ml-zenml-artifacts"
    assert [d.ref.label for d in local.layers] == ["base", "env:staging"]
    # dropping the state gives the layers' value back
    assert session.layering.set_infrastructure("dev", None)
    again = explain(session.layering.scope(Scope("dev")), "infrastructure.bucket")
    assert again.value == "acme-ml-zenml-artifacts" and again.layers == ["base", "env:dev"]


def test_an_environment_layer_overrides_the_state_on_purpose(example_copy: Path) -> None:
    layer = example_copy / "layers" / "env" / "dev.yaml"
    layer.write_text(layer.read_text() + "infrastructure:\n  bucket: pinned-by-hand\n")
    session = _fed(example_copy)
    ex = explain(session.layering.scope(Scope("dev")), "infrastructure.bucket")
    assert ex.value == "pinned-by-hand"
    assert [p.layer for p in ex.chain] == ["base", "infra:dev", "env:dev"]
    assert ex.chain[1].op == PROVENANCE_OP


def test_the_tfvars_take_the_state_and_a_change_of_it_makes_a_plan_stale(
    example_copy: Path,
) -> None:
    session = open_session(example_copy)
    before = dump_json(build_tfvars(session.layering, "dev")[0])  # the layers' values
    assert json.loads(before)["infrastructure"]["bucket"] == "acme-ml-zenml-artifacts"
    session.layering.set_infrastructure("dev", from_state(STATE, SOURCE))
    data_after, errors = build_tfvars(session.layering, "dev")
    assert errors == []
    after = dump_json(data_after)
    data = json.loads(after)
    assert data["infrastructure"]["bucket"] == "zenml-dev-1a2b-artifacts"
    assert "SUPERSECRET" not in after
    old = fingerprint_parts(before, "modules", "bundled", "dev")
    new = fingerprint_parts(after, "modules", "bundled", "dev")
    assert fingerprint(old) != fingerprint(new)  # what `apply` compares
    assert [k for k in old if old[k] != new[k]] == ["tfvars"]


def test_without_a_state_nothing_runs_and_nothing_changes(example_copy: Path) -> None:
    """The default: no infrastructure state, no Terraform, the layers as before."""
    result = cli("explain", "--env", "dev", "infrastructure.bucket", cwd=example_copy)
    assert result.returncode == 0, result.stderr
    assert "(base < env:dev)" in result.stdout
    assert "infra:" not in result.stdout
    state = example_copy / ".zenml-tui"
    assert not (state / "terraform").exists()  # no reader root was even prepared
    assert not (state / "infra-state").exists()
