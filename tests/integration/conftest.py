"""Fixtures for tests that need a real ZenML server and real Terraform."""

from __future__ import annotations

from pathlib import Path

import pytest


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
