"""A local plugin directory for `terraform init -plugin-dir DIR`.

Terraform installs a provider from `DIR/<host>/<namespace>/<type>/<version>/<os_arch>/`
and records the hash of that executable in the lock file, so the executable is a thin,
stable launcher: it names the Python interpreter and the module, nothing that changes
when zenml-tui is upgraded.
"""

from __future__ import annotations

import platform
import shlex
import sys
from pathlib import Path

from zenml_tui.fsutil import write_atomic
from zenml_tui.provider import ADDRESS, VERSION


def os_arch() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"{sys.platform if sys.platform != 'linux' else 'linux'}_{arch}"


def interpreter() -> str:
    """This environment's Python by one stable name (a venv has python, python3, ...)."""
    candidate = Path(sys.prefix) / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def launcher_text(python: str | None = None) -> str:
    interpreter_path = shlex.quote(python or interpreter())
    return (
        "#!/bin/sh\n# zenml-tui: the offline zenml-io/zenml provider\n"
        f'exec {interpreter_path} -m zenml_tui.provider "$@"\n'
    )


def launcher_path(plugin_dir: Path) -> Path:
    return Path(plugin_dir) / ADDRESS / VERSION / os_arch() / f"terraform-provider-zenml_v{VERSION}"


def write_mirror(plugin_dir: Path, python: str | None = None) -> Path:
    """Write (or keep, when unchanged) the launcher; returns its path."""
    path = launcher_path(plugin_dir)
    text = launcher_text(python)
    if not (path.is_file() and path.read_text() == text):
        write_atomic(path, text, mode=0o755)
    return path


def plugin_dir_for(state_dir: Path) -> Path:
    """The platform's own plugin directory, written when missing or stale; what the app
    passes to `terraform init -plugin-dir` for environments whose provider is `bundled`."""
    plugin_dir = Path(state_dir) / "plugins"
    write_mirror(plugin_dir)
    return plugin_dir
