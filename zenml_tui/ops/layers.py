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


def every_layer(session: Session) -> list[Path]:
    """Every layer file of the platform: base, each environment, team and project."""
    from zenml_tui.platform.nodes import LayerRef

    platform, spec = session.platform, session.platform.spec
    refs = [LayerRef("base")]
    refs += [LayerRef("env", name) for name in spec.environments]
    refs += [LayerRef("team", name) for name in spec.teams]
    refs += [LayerRef("project", name) for name in spec.projects]
    return [platform.layer_path(ref) for ref in refs]


def drafted_layers(session: Session) -> dict[Path, LayerText]:
    """The layers an earlier session left a draft of, as the editor opens them (a
    draft equal to the file has `draft` None). A layer the editor cannot open is left
    out: its draft stays on disk, untouched."""
    found: dict[Path, LayerText] = {}
    for layer in every_layer(session):
        if not draft_path(session, layer).is_file():
            continue
        try:
            found[layer] = read_layer(session, layer)
        except ZenMLTUIError:
            continue
    return found


def drop_draft(session: Session, layer: Path) -> None:
    """The layer's draft goes away (its edits were discarded). Raises a FILE error."""
    draft = draft_path(session, layer)
    try:
        draft.unlink(missing_ok=True)
    except OSError as exc:
        raise file_error(exc, f"drop the draft of {layer.name}", draft) from None


# the editor's bounds: past them a layer opens read-only. A keystroke re-parses and
# re-merges the layer, at a cost that grows with its values; bench/merge.py measures the
# largest layers within both bounds (keystroke to preview under 50 ms)
EDITOR_MAX_BYTES = 256 * 1024
EDITOR_MAX_VALUES = 3_000
# the editor redraws a line whole: typing into a longer line is slower than 50 ms
# (bench/hostile.py)
EDITOR_MAX_LINE = 10_000


def read_layer(session: Session, layer: Path) -> LayerText:
    """The layer's text ("" for a layer file that does not exist yet) and its draft.
    Raises a FILE error for a layer the editor must not offer to overwrite: one that
    is not a regular file of the platform, not UTF-8 text, or past the editor's bound
    (the preview shows it all the same, with its errors located)."""
    from zenml_tui.platform.files import read_bytes

    data, refused = read_bytes(layer, session.platform.root)
    if refused is not None:
        raise ZenMLTUIError(f"{layer.name}: {refused.message}", kind=Kind.FILE, hint=refused.hint)
    if data is not None and len(data) > EDITOR_MAX_BYTES:
        raise ZenMLTUIError(
            f"{layer.name} has {len(data):,} bytes; the editor opens layers up to "
            f"{EDITOR_MAX_BYTES:,}, read-only past that",
            kind=Kind.FILE,
            hint="edit it in another editor; the preview and its errors are shown here",
        )
    try:
        saved = data.decode("utf-8") if data is not None else ""
    except UnicodeDecodeError as exc:
        raise ZenMLTUIError(
            f"{layer.name} is not UTF-8 text (byte {exc.start})",
            kind=Kind.FILE,
            hint="convert it to UTF-8 to edit it here",
        ) from None
    if len(saved) > EDITOR_MAX_LINE:
        number, longest = max(enumerate(map(len, saved.splitlines()), 1), key=lambda item: item[1])
        if longest > EDITOR_MAX_LINE:
            raise ZenMLTUIError(
                f"{layer.name}:{number} has {longest:,} characters; the editor opens "
                f"layers whose lines have up to {EDITOR_MAX_LINE:,}, read-only past that",
                kind=Kind.FILE,
                hint="fold the value (YAML's | or > block) or edit it in another editor",
            )
    values = _values(saved, layer)
    if values > EDITOR_MAX_VALUES:
        raise ZenMLTUIError(
            f"{layer.name} has {values:,} values; the editor opens layers of up to "
            f"{EDITOR_MAX_VALUES:,}, read-only past that",
            kind=Kind.FILE,
            hint="split it, or edit it in another editor; the preview and its errors are "
            "shown here",
        )
    draft = draft_path(session, layer)
    try:
        text = draft.read_text(encoding="utf-8") if draft.is_file() else None
    except (OSError, UnicodeDecodeError):
        text = None
    return LayerText(saved, text if text is not None and text != saved else None)


def _values(text: str, layer: Path) -> int:
    """How many values the layer holds (0 when it does not parse: the preview says why).
    A layer has at most a value per line or comma, so most need no parse here."""
    if text.count("\n") + text.count(",") < EDITOR_MAX_VALUES:
        return 0
    from zenml_tui.platform.nodes import LIST, MAP
    from zenml_tui.platform.yamlload import parse_text

    tree, _ = parse_text(text, str(layer))
    count, stack = 0, [tree] if tree is not None else []
    while stack:
        node = stack.pop()
        count += 1
        if node.kind == MAP:
            stack.extend(node.value.values())
        elif node.kind == LIST:
            stack.extend(node.value)
    return count


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
