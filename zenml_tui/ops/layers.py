"""Layer files and their drafts: the editor reads a layer (with the draft an earlier
session left), saves it atomically, and keeps unsaved edits beside it so a crash loses
nothing. Drafts live under the platform's state directory, mode 0600."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from zenml_tui.errors import Kind, ZenMLTUIError, file_error
from zenml_tui.fsutil import write_atomic
from zenml_tui.ops.session import Session


@dataclass(frozen=True)
class LayerText:
    """A layer as the editor opens it: what is on disk, and a draft that differs."""

    saved: str
    draft: str | None = None


def draft_path(session: Session, layer: Path) -> Path:
    platform = session.platform
    relative = layer.relative_to(platform.root)
    return platform.state_dir / "drafts" / (str(relative) + ".draft")


def read_layer(session: Session, layer: Path) -> LayerText:
    """The layer's text ("" for a layer file that does not exist yet) and its draft.
    Raises FILE errors for a layer that cannot be read as UTF-8 text: the editor must
    not offer to overwrite what it could not show."""
    try:
        saved = layer.read_text(encoding="utf-8") if layer.is_file() else ""
    except OSError as exc:
        raise file_error(exc, f"read {layer.name}", layer) from None
    except UnicodeDecodeError as exc:
        raise ZenMLTUIError(
            f"{layer.name} is not UTF-8 text (byte {exc.start})",
            kind=Kind.FILE,
            hint="convert it to UTF-8 to edit it here",
        ) from None
    draft = draft_path(session, layer)
    try:
        text = draft.read_text(encoding="utf-8") if draft.is_file() else None
    except (OSError, UnicodeDecodeError):
        text = None
    return LayerText(saved, text if text is not None and text != saved else None)


def save_layer(session: Session, layer: Path, text: str) -> None:
    """Write the layer atomically (the old file stays whole if this fails); its draft
    goes away. Raises DISK_FULL, READ_ONLY or FILE errors."""
    try:
        write_atomic(layer, text)
    except OSError as exc:
        raise file_error(exc, f"save {layer.name}", layer) from None
    draft_path(session, layer).unlink(missing_ok=True)


def keep_drafts(session: Session, layers: Iterable[Path], buffers: Mapping[Path, str]) -> None:
    """A draft for each layer with unsaved text; none for the others."""
    for layer in layers:
        draft = draft_path(session, layer)
        try:
            if layer in buffers:
                write_atomic(draft, buffers[layer], mode=0o600)
            elif draft.exists():
                draft.unlink()
        except OSError as exc:
            raise file_error(exc, f"keep a draft of {layer.name}", draft) from None
