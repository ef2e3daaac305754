"""Shared fixtures: real platform directories on disk, real files, the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from zenml_tui.resources import example_platform

REPO = Path(__file__).resolve().parents[1]

MINIMAL_PLATFORM = """\
platform: tiny
stack_version: "0.1.0"
cloud: gcp
secrets:
  SA_JSON:
    env: TINY_SA_JSON
environments:
  dev:
    workspace: dev
  prod:
    workspace: prod
    protected: true
    color: red
teams:
  training:
    components: [orchestrator]
projects:
  fraud:
    team: training
"""

MINIMAL_BASE = """\
location: europe-west1
labels:
  managed_by: terraform
  environment: ${environment}
components:
  artifact_store:
    flavor: gcp
    configuration:
      path: gs://bucket/${environment}
  orchestrator:
    flavor: vertex
    configuration:
      location: ${location}
"""


def write_platform(root: Path, files: dict[str, str]) -> Path:
    """Write a platform directory; values are dedented YAML texts."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def make_platform(tmp_path: Path) -> Callable[..., Path]:
    """A minimal valid platform with two environments, a team and a project; pass
    `files` to add or replace files (relative paths), or None to delete one."""

    def make(files: dict[str, str | None] | None = None, name: str = "platform") -> Path:
        root = tmp_path / name
        base = {
            "platform.yaml": MINIMAL_PLATFORM,
            "layers/base.yaml": MINIMAL_BASE,
        }
        merged: dict[str, str | None] = {**base, **(files or {})}
        write_platform(root, {k: v for k, v in merged.items() if v is not None})
        return root

    return make


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled example platform."""
    dst = tmp_path / "acme-ml"
    shutil.copytree(example_platform(), dst, ignore=shutil.ignore_patterns(".zenml-tui"))
    return dst


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """Run the installed `zenml-tui` entry point in a real subprocess."""
    full_env = {**os.environ, **(env or {})}
    for key in ("ZENML_TUI_DEBUG", *unset):
        full_env.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "zenml_tui", *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def zenml_server(tmp_path_factory):
    """A real ZenML 0.98 server on 127.0.0.1 with real authentication, for the session.
    Its URL and API key are exported the way Terraform's provider reads them."""
    from tests.tfharness import restore_environ, set_environ, terraform_environment
    from zenml_tui.server.local import LocalServer

    root = tmp_path_factory.mktemp("zenml") / ".zenml-tui" / "server"
    server = LocalServer(root)
    server.up()
    saved = set_environ({**server.environment(), **terraform_environment(root.parent)})
    try:
        yield server
    finally:
        restore_environ(saved)
        server.down()


@pytest.fixture(scope="session")
def plugin_dir(tmp_path_factory) -> Path:
    from zenml_tui.provider.mirror import write_mirror

    d = tmp_path_factory.mktemp("plugins")
    write_mirror(d)
    return d
