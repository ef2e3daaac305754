"""The bundled provider as a plugin directory, for a hand-run `terraform init
-plugin-dir DIR`."""

from __future__ import annotations

from pathlib import Path

from zenml_tui.errors import file_error


def write_provider_mirror(directory: Path) -> Path:
    """Write (or keep, when unchanged) the provider's launcher; returns its path."""
    from zenml_tui.provider.mirror import write_mirror

    try:
        return write_mirror(directory)
    except OSError as exc:
        raise file_error(exc, "write the provider mirror", directory) from None
