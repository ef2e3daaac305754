"""Where the bundled example platform and Terraform modules live.

In a checkout they are the top-level `examples/` and `modules/` folders; in an installed
wheel they are packaged under `zenml_tui/_bundled/`.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / "_bundled" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled '{name}' folder not found next to {_PKG}")


def bundled_root() -> Path:
    """Where a wheel keeps the bundled folders (absent in a checkout)."""
    return _PKG / "_bundled"


def modules_dir() -> Path:
    return _find("modules")


def root_module() -> Path:
    return modules_dir() / "platform"


def example_platform() -> Path:
    return _find("examples") / "acme-ml"
