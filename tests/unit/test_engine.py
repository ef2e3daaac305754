"""Scopes merged from real platform directories: "Validation" (docs/layering.md),
buffers, caches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zenml_tui.errors import Code
from zenml_tui.ops.config import validate
from zenml_tui.ops.session import open_session
from zenml_tui.platform.definition import ScopeError, load_platform
from zenml_tui.platform.engine import PlatformEngine


def scope(root: Path, env: str = "dev", team: str | None = None, project: str | None = None):
    platform, errors = load_platform(root)
    assert platform is not None, errors
    return PlatformEngine(platform).scope(platform.scope(env, team, project))


def codes(result) -> list[tuple]:
    return [(e.code, Path(e.file).name, e.line, e.col, e.path) for e in result.errors]


def test_minimal_platform_is_clean(make_platform) -> None:
    r = scope(make_platform(), "dev", project="fraud")
    assert r.errors == []
    assert r.plain()["components"]["artifact_store"]["configuration"]["path"] == "gs://bucket/dev"
    assert r.scope.team == "training"


def test_unknown_key_in_a_layer_has_did_you_mean(make_platform) -> None:
    root = make_platform({"layers/env/dev.yaml": "components:\n  orchestrator:\n    flavour: x\n"})
    r = scope(root)
    assert codes(r) == [(Code.UNKNOWN_KEY, "dev.yaml", 3, 5, "components.orchestrator.flavour")]
    assert r.errors[0].hint.startswith("did you mean 'flavor'")
    assert r.errors[0].layer == "env:dev"


def test_unknown_component_type_is_an_unknown_key(make_platform) -> None:
    r = scope(make_platform({"layers/env/dev.yaml": "components:\n  orchestratr: {flavor: x}\n"}))
    assert r.errors[0].code == Code.UNKNOWN_KEY
    assert r.errors[0].hint == "did you mean 'orchestrator'?"


def test_wrong_type_in_a_layer_names_the_kind_not_the_value(make_platform) -> None:
    r = scope(make_platform({"layers/env/dev.yaml": "labels:\n  version: 1.2\n"}))
    assert codes(r) == [(Code.WRONG_TYPE, "dev.yaml", 2, 12, "labels.version")]
    assert "1.2" not in r.errors[0].message
    assert r.errors[0].hint == "quote it to make it a string"


def test_enum_value_checked_per_layer(make_platform) -> None:
    text = "connector:\n  type: gpc\n  auth_method: service-account\n"
    r = scope(make_platform({"layers/env/dev.yaml": text}))
    assert (r.errors[0].code, r.errors[0].line, r.errors[0].hint) == (
        Code.INVALID_VALUE,
        2,
        "did you mean 'gcp'?",
    )


def test_missing_required_field_in_the_merged_scope(make_platform) -> None:
    base = "components:\n  artifact_store: {flavor: local}\n  orchestrator: {flavor: local}\n"
    r = scope(make_platform({"layers/base.yaml": base}))
    assert [(e.code, e.path) for e in r.errors] == [(Code.MISSING_FIELD, "location")]
    assert "layers/env/dev.yaml" in r.errors[0].hint


def test_workload_identity_is_not_a_gcp_auth_method(make_platform) -> None:
    text = "connector:\n  type: gcp\n  auth_method: workload-identity\n"
    r = scope(make_platform({"layers/env/dev.yaml": text}))
    e = r.errors[0]
    assert (e.code, Path(e.file).name, e.line, e.col) == (Code.INVALID_VALUE, "dev.yaml", 3, 16)
    assert "external-account" in e.message and "external-account" in e.hint


def test_credential_literal_is_refused_without_echoing_it(make_platform) -> None:
    text = (
        "connector:\n  type: gcp\n  auth_method: service-account\n  configuration:\n"
        '    service_account_json: \'{"private_key": "TOPSECRET-123"}\'\n'
    )
    r = scope(make_platform({"layers/env/dev.yaml": text}))
    assert codes(r) == [
        (Code.SECRET_LITERAL, "dev.yaml", 5, 27, "connector.configuration.service_account_json")
    ]
    assert "TOPSECRET" not in r.errors[0].format()


def test_credential_as_secret_reference_is_fine(make_platform) -> None:
    text = (
        "connector:\n  type: gcp\n  auth_method: service-account\n  configuration:\n"
        "    service_account_json: ${secret:SA_JSON}\n"
    )
    r = scope(make_platform({"layers/env/dev.yaml": text}))
    assert r.errors == []
    assert r.plain()["connector"]["configuration"]["service_account_json"] == "«secret:SA_JSON»"


def test_leftover_required_names_path_and_layers(make_platform, tmp_path) -> None:
    base = (
        "location: x\ncomponents:\n  artifact_store: {flavor: local}\n"
        "  orchestrator:\n    flavor: vertex\n    configuration:\n      location: !required\n"
    )
    root = make_platform({"layers/base.yaml": base})
    r = scope(root, "dev", project="fraud")
    e = r.errors[0]
    assert (e.code, Path(e.file).name, e.line, e.col) == (
        Code.REQUIRED_UNFILLED,
        "base.yaml",
        7,
        17,
    )
    assert e.path == "components.orchestrator.configuration.location"
    for layer in ("layers/env/dev.yaml", "layers/team/training.yaml", "layers/project/fraud.yaml"):
        assert layer in e.hint


def test_team_need_missing_is_located_in_platform_yaml(make_platform) -> None:
    root = make_platform({"layers/env/dev.yaml": "components:\n  orchestrator: !delete\n"})
    r = scope(root, "dev", "training")
    got = [(e.code, Path(e.file).name) for e in r.errors]
    assert (Code.MISSING_COMPONENT, "platform.yaml") not in got  # deleted on purpose
    # but every stack needs one: the error points at the deletion
    assert [(e.code, Path(e.file).name, e.line, e.col) for e in r.errors] == [
        (Code.MISSING_COMPONENT, "dev.yaml", 2, 3)
    ]


def test_team_need_never_defined_is_an_error(make_platform) -> None:
    from tests.conftest import MINIMAL_PLATFORM

    text = MINIMAL_PLATFORM.replace(
        "components: [orchestrator]", "components: [orchestrator, step_operator]"
    )
    r = scope(make_platform({"platform.yaml": text}), "dev", "training")
    e = r.errors[0]
    assert (e.code, Path(e.file).name, e.line) == (Code.MISSING_COMPONENT, "platform.yaml", 16)
    assert "step_operator" in e.message


def test_editor_buffer_is_merged_without_touching_the_file(make_platform) -> None:
    root = make_platform({"layers/env/dev.yaml": "location: us-east1\n"})
    session = open_session(root)
    path = session.platform.layer_path(
        session.platform.layers_for(session.platform.scope("dev"))[1]
    )
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    scope_ = session.platform.scope("dev")
    r = session.layering.scope(scope_, {path: "location: asia-east1\n"})
    assert r.plain()["location"] == "asia-east1"
    assert r.plain()["components"]["orchestrator"]["configuration"]["location"] == "asia-east1"
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    assert session.layering.scope(scope_).plain()["location"] == "us-east1"


def test_invalid_buffer_reports_errors_in_that_file(make_platform) -> None:
    root = make_platform()
    session = open_session(root)
    path = root / "layers/env/dev.yaml"
    r = session.layering.scope(session.platform.scope("dev"), {path: "location: [\n"})
    assert r.errors[0].code == Code.YAML_SYNTAX and Path(r.errors[0].file) == path


def test_file_change_is_seen(make_platform) -> None:
    root = make_platform({"layers/env/dev.yaml": "location: a\n"})
    session = open_session(root)
    s = session.platform.scope("dev")
    assert session.layering.scope(s).plain()["location"] == "a"
    (root / "layers/env/dev.yaml").write_text("location: bb\n")
    assert session.layering.scope(s).plain()["location"] == "bb"


def test_unknown_scope_names_have_did_you_mean(make_platform) -> None:
    platform, _ = load_platform(make_platform())
    with pytest.raises(ScopeError, match="did you mean 'prod'"):
        platform.scope("prd")
    with pytest.raises(ScopeError, match="did you mean 'training'"):
        platform.scope("dev", "trainng")
    with pytest.raises(ScopeError, match="belongs to team 'training'"):
        platform.scope("dev", "other", "fraud")


def test_layer_for_unknown_environment_team_or_project(make_platform) -> None:
    root = make_platform(
        {
            "layers/env/staging.yaml": "{}\n",
            "layers/team/trainig.yaml": "{}\n",
            "layers/project/fraud.yml": "{}\n",
            "layers/teams/x.yaml": "{}\n",
        }
    )
    errors = validate(open_session(root))
    got = {(e.code, Path(e.file).name): e for e in errors}
    assert (Code.UNKNOWN_LAYER, "staging.yaml") in got
    assert got[(Code.UNKNOWN_LAYER, "trainig.yaml")].hint == "did you mean 'training'?"
    assert (Code.UNKNOWN_LAYER, "fraud.yml") in got
    assert got[(Code.UNKNOWN_LAYER, "teams")].hint == "did you mean 'team'?"


def test_platform_yaml_errors_are_located(make_platform) -> None:
    from tests.conftest import MINIMAL_PLATFORM

    text = MINIMAL_PLATFORM.replace(
        "    workspace: prod\n", "    workspace: prod\n    colour: red\n"
    )
    text = text.replace("team: training", "team: trainng")
    platform, errors = load_platform(make_platform({"platform.yaml": text}))
    assert platform is None
    e = errors[0]
    assert (e.code, e.line, e.col, e.hint) == (
        Code.PLATFORM_INVALID,
        12,
        5,
        "did you mean 'color'?",
    )


def test_project_with_unknown_team(make_platform) -> None:
    from tests.conftest import MINIMAL_PLATFORM

    text = MINIMAL_PLATFORM.replace("team: training", "team: trainng")
    platform, errors = load_platform(make_platform({"platform.yaml": text}))
    assert platform is not None
    assert [(e.code, e.line, e.hint) for e in errors] == [
        (Code.PLATFORM_INVALID, 19, "did you mean 'training'?")
    ]


def test_validate_covers_every_scope_and_dedupes(make_platform) -> None:
    root = make_platform({"layers/project/fraud.yaml": "labels: {team: [1]}\n"})
    errors = validate(open_session(root))
    assert [(e.code, e.path) for e in errors] == [(Code.WRONG_TYPE, "labels.team")]


def test_state_dir_for_a_read_only_platform(make_platform, tmp_path, monkeypatch) -> None:
    root = make_platform()
    platform, _ = load_platform(root)
    assert platform.state_dir == root / ".zenml-tui"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    assert platform.state_dir.parent == tmp_path / "data" / "zenml-tui"


def test_platform_yaml_patterns_say_what_they_expect(make_platform) -> None:
    from tests.conftest import MINIMAL_PLATFORM

    text = MINIMAL_PLATFORM.replace("platform: tiny", "platform: Tiny").replace(
        "    workspace: prod\n", "    workspace: 'prod env'\n"
    )
    platform, errors = load_platform(make_platform({"platform.yaml": text}))
    assert platform is None
    got = {e.path: e.message for e in errors}
    assert got["platform"].startswith("expected a name of lowercase letters")
    assert got["environments.prod.workspace"].startswith("a Terraform workspace name uses")


def test_a_checked_platform_yaml_loads_without_pydantic(make_platform) -> None:
    """The app's start-up: a platform.yaml validated before comes from the cache (keyed
    by its content and the model's code) without importing pydantic; any change to it
    is validated again."""
    import subprocess
    import sys

    root = make_platform()
    probe = (
        "import sys; from pathlib import Path\n"
        "from zenml_tui.platform.definition import load_platform\n"
        "p, errors = load_platform(Path(sys.argv[1]))\n"
        "print(p is not None, len(errors), 'pydantic' in sys.modules)\n"
    )

    def load() -> str:
        out = subprocess.run(
            [sys.executable, "-c", probe, str(root)], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()

    assert load() == "True 0 True"  # validated, cached
    assert load() == "True 0 False"  # from the cache
    first, _ = load_platform(root)
    assert first is not None and first.spec.environments["prod"].protected

    platform_yaml = root / "platform.yaml"
    platform_yaml.write_text(platform_yaml.read_text().replace("workspace: prod", "workspace: 7"))
    assert load() == "False 1 True"  # changed: validated again, and refused
    cache = root / ".zenml-tui" / "cache" / "platform-spec.json"
    cache.write_text('{"key": "forged", "spec": {}}')
    assert load() == "False 1 True"
