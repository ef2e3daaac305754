"""What the generated cases cannot derive from a type: the attributes every object of a
resource needs (`BASES`), the objects others point at (`ANCHORS`), and the values of
attributes that must mean something to ZenML (`SAMPLES`). An attribute with no entry
here is tested with the values of its type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Ref(str):
    """An HCL expression (a reference to another object), not a string literal."""


NOT_APPLICABLE: Any = type("NotApplicable", (), {"__repr__": lambda self: "n/a"})()


@dataclass(frozen=True)
class Sample:
    set: Any  # the value written at create
    set2: Any  # the value of the update
    empty: Any = NOT_APPLICABLE  # the attribute's empty value, if it has one
    companions: dict[str, Any] = field(default_factory=dict)  # what the value needs beside it
    drift: bool = True  # can the REST API change it behind Terraform's back?


GCP_KEY = '{"type": "service_account", "project_id": "acme"}'

# resource -> the attributes every object of it is written with (name comes per object)
BASES: dict[str, dict[str, Any]] = {
    "zenml_service_connector": {
        "type": "gcp",
        "auth_method": "service-account",
        "verify": False,  # a gcp key cannot be verified offline
        "configuration": {"project_id": "acme", "service_account_json": GCP_KEY},
    },
    "zenml_stack_component": {"type": "artifact_store", "flavor": "local"},
    "zenml_stack": {
        "components": {
            "artifact_store": Ref("zenml_stack_component.anchor_store.id"),
            "orchestrator": Ref("zenml_stack_component.anchor_orchestrator.id"),
        }
    },
    "zenml_project": {},
    "zenml_secret": {"values": {"key": "conformance-value"}},
}

# the short name of each resource in block and object names
SHORT = {
    "zenml_service_connector": "sc",
    "zenml_stack_component": "comp",
    "zenml_stack": "stack",
    "zenml_project": "proj",
    "zenml_secret": "sec",
}

# objects the cases point at; one of each resource a data source reads
ANCHORS = """resource "zenml_service_connector" "anchor" {
  name          = "PREFIX-anchor"
  type          = "gcp"
  auth_method   = "service-account"
  verify        = false
  configuration = { project_id = "acme", service_account_json = "{}" }
  labels        = { role = "anchor" }
}

resource "zenml_service_connector" "anchor2" {
  name          = "PREFIX-anchor2"
  type          = "gcp"
  auth_method   = "service-account"
  verify        = false
  configuration = { project_id = "acme", service_account_json = "{}" }
}

resource "zenml_stack_component" "anchor_store" {
  name          = "PREFIX-anchor-store"
  type          = "artifact_store"
  flavor        = "local"
  configuration = { path = "/tmp/zenml-tui-conformance/anchor" }
  labels        = { role = "anchor" }
}

resource "zenml_stack_component" "anchor_orchestrator" {
  name   = "PREFIX-anchor-orchestrator"
  type   = "orchestrator"
  flavor = "local"
}

resource "zenml_stack" "anchor" {
  name = "PREFIX-anchor"
  components = {
    artifact_store = zenml_stack_component.anchor_store.id
    orchestrator   = zenml_stack_component.anchor_orchestrator.id
  }
  labels = { role = "anchor" }
}"""

REGISTRY = {
    "type": "container_registry",
    "flavor": "gcp",
    "configuration": {"uri": "europe-west1-docker.pkg.dev/acme/conformance"},
}

# (resource, attribute) -> values that mean something to ZenML
SAMPLES: dict[tuple[str, str], Sample] = {
    # every resource's name, updated in place
    **{(r, "name"): Sample("(the object's name)", "(its name + -b)") for r in BASES},
    # required attributes that force a replacement (the server cannot change them)
    ("zenml_service_connector", "type"): Sample("gcp", "aws", drift=False),
    ("zenml_service_connector", "auth_method"): Sample(
        "service-account", "user-account", drift=False
    ),
    ("zenml_stack_component", "type"): Sample("artifact_store", "orchestrator", drift=False),
    ("zenml_stack_component", "flavor"): Sample(
        "local", "local_docker", companions={"type": "orchestrator"}, drift=False
    ),
    # a secret's values: an update that drops a key removes it on the server
    ("zenml_secret", "values"): Sample(
        {"key": "one", "gone": "removed by the update"}, {"key": "two"}
    ),
    ("zenml_service_connector", "resource_type"): Sample("gcs-bucket", "gcp-generic", ""),
    ("zenml_service_connector", "resource_id"): Sample(
        "gs://conformance-one",
        "gs://conformance-two",
        "",
        companions={"resource_type": "gcs-bucket"},
    ),
    # a connector with a resource: an update in place keeps it (ZenML resets what an
    # update does not send)
    ("zenml_service_connector", "labels"): Sample(
        {"k": "one"},
        {"k": "two", "k2": "added"},
        {},
        companions={"resource_type": "gcs-bucket", "resource_id": "gs://conformance-labels"},
    ),
    ("zenml_service_connector", "configuration"): Sample(
        {"project_id": "acme", "service_account_json": GCP_KEY},
        {"project_id": "acme-two", "service_account_json": GCP_KEY},
        {},
    ),
    # verify needs a connector the local server can verify: docker with a password
    ("zenml_service_connector", "verify"): Sample(
        True,
        False,
        companions={
            "type": "docker",
            "auth_method": "password",
            "configuration": {"username": "conformance", "password": "conformance"},
        },
    ),
    ("zenml_stack_component", "configuration"): Sample(
        {"path": "/tmp/zenml-tui-conformance/one"},
        {"path": "/tmp/zenml-tui-conformance/two"},
        {},
    ),
    # a reference: "" is no connector's id, so it has no empty value
    ("zenml_stack_component", "connector_id"): Sample(
        Ref("zenml_service_connector.anchor.id"),
        Ref("zenml_service_connector.anchor2.id"),
        companions=REGISTRY,
    ),
    ("zenml_stack_component", "connector_resource_id"): Sample(
        "europe-west1-docker.pkg.dev/acme/one",
        "europe-west1-docker.pkg.dev/acme/two",
        "",
        companions={**REGISTRY, "connector_id": Ref("zenml_service_connector.anchor.id")},
    ),
}

# data source -> the anchor it finds, and a value of each other input that misses it
DATA_ANCHORS = {
    "zenml_stack": "zenml_stack.anchor",
    "zenml_stack_component": "zenml_stack_component.anchor_store",
    "zenml_service_connector": "zenml_service_connector.anchor",
}
WRONG = {"type": "orchestrator"}
