"""docs/layering.md, "Rendering for Terraform": projection onto the root module's
variables, read from variables.tf."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zenml_tui.bundled import root_module
from zenml_tui.errors import Code
from zenml_tui.ops.config import tfvars
from zenml_tui.ops.session import open_session
from zenml_tui.platform.hcltypes import TypeSyntaxError, conform, parse_type, read_variables
from zenml_tui.platform.render import dump_json, effective_component, secret_environment
from zenml_tui.platform.schema import PlatformConfig


def test_parse_type_expressions() -> None:
    t = parse_type(
        "${object({a = string, b = optional(map(list(number)), {}), c = optional(bool, true)})}"
    )
    assert t.kind == "object" and set(t.attrs) == {"a", "b", "c"}
    assert t.optional == {"b", "c"} and t.defaults == {"b": {}, "c": True}
    assert str(t.attrs["b"]) == "map(list(number))"
    assert parse_type("tuple([string, number])").items[1].kind == "number"
    with pytest.raises(TypeSyntaxError):
        parse_type("map(strin")


def test_conform_follows_terraform_conversions() -> None:
    problems: list[tuple] = []

    def report(kind, path, msg):
        problems.append((kind, path))

    t = parse_type("object({name = string, n = number, f = bool, cfg = map(string)})")
    out = conform(
        {"name": 5, "n": "7", "f": "true", "cfg": {"a": True, "b": 1.5, "c": {"x": [1]}}},
        t,
        (),
        report,
    )
    assert out == {
        "name": "5",
        "n": 7,
        "f": True,
        "cfg": {"a": "true", "b": "1.5", "c": '{"x":[1]}'},
    }
    conform({"name": "x", "extra": 1, "n": True}, t, (), report)
    assert ("undeclared", ("extra",)) in problems
    assert ("type", ("n",)) in problems
    assert ("missing", ("f",)) in problems


def test_schema_top_level_fields_are_root_module_variables() -> None:
    variables = read_variables(root_module())
    for field in PlatformConfig.model_fields:
        assert field in variables, f"variables.tf lacks '{field}'"


def test_root_module_component_type_matches_the_schema() -> None:
    variables = read_variables(root_module())
    comp = variables["components"].type.elem
    from zenml_tui.platform.schema import Component

    assert set(comp.attrs) == set(Component.model_fields) - {"by_flavor"}


def test_effective_component_applies_by_flavor() -> None:
    comp = {
        "flavor": "vertex",
        "configuration": {"a": 1},
        "by_flavor": {"vertex": {"b": 2}, "local": {"c": 3}},
    }
    assert effective_component(comp) == {"flavor": "vertex", "configuration": {"a": 1, "b": 2}}


def test_tfvars_of_every_example_environment(tmp_path: Path) -> None:
    session = open_session(None)
    for env in session.platform.spec.environments:
        data, errors = tfvars(session, env)
        assert errors == [], [e.format() for e in errors]
        text = dump_json(data)
        assert text == dump_json(json.loads(text))
        assert data["environment"] == env
        assert data["labels"] == {"environment": env, "managed_by": "terraform", "version": "1.2.0"}
        assert "secrets" not in data
        assert set(data) <= set(read_variables(root_module()))


def test_tfvars_projection_error_points_at_the_layer(make_platform) -> None:
    module = make_platform(
        {
            "module/variables.tf": (
                'variable "location" { type = string }\n'
                'variable "labels" { type = map(number) }\n'
                'variable "components" { type = any }\n'
            )
        }
    )
    from zenml_tui.platform.render import build_tfvars

    session = open_session(module)
    data, errors = build_tfvars(session.layering, "dev", module / "module")
    got = [(e.code, Path(e.file).name, e.line, e.path) for e in errors]
    assert (Code.WRONG_TYPE, "base.yaml", 3, "labels.managed_by") in got
    assert [e for e in errors if e.code == Code.MISSING_FIELD] == []
    assert "platform" not in data and "teams" not in data  # not declared by this module


def test_secret_environment_reads_declared_variables_only() -> None:
    session = open_session(None)
    extra, missing = secret_environment(
        session.platform, {"ACME_GCP_DEV_SA_JSON": "v1", "UNRELATED": "x"}
    )
    assert json.loads(extra["TF_VAR_secrets"]) == {"GCP_DEV_SA_JSON": "v1"}
    assert "GCP_PROD_WIF_CONFIG" in missing


def test_broken_variables_tf_is_a_located_error(make_platform) -> None:
    from zenml_tui.platform.render import build_tfvars

    root = make_platform({"module/variables.tf": 'variable "x" {\n  type = map(strin\n}\n'})
    session = open_session(root)
    data, errors = build_tfvars(session.layering, "dev", root / "module")
    assert data == {}
    assert [(e.code, Path(e.file).name) for e in errors] == [(Code.MODULE_INVALID, "variables.tf")]
