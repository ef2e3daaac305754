"""The outputs of an environment's infrastructure state, as data for the layering engine
(docs/infrastructure.md).

The engine never runs Terraform: the application layer reads the state (`terraform state
pull`, ops/infra.py) and hands its text here, which keeps what may become a layer value:
string outputs whose names are keys of `infrastructure:` in the layer schema. Everything
else is left out with a note that names the output, never its value: a sensitive output
(its value is never kept), one of another type, one the schema does not know, and one
holding `${`, which a layer value would interpolate.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# the keys `infrastructure:` takes (schema.Infrastructure): kept here as data, so that
# reading a state needs no pydantic; tests/unit/test_infrastate.py checks they agree
INFRASTRUCTURE_KEYS = ("project_id", "bucket", "artifact_root", "registry_uri", "service_account")
PROVENANCE_OP = "from infrastructure state"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class InfraOutput:
    """One output fed to `infrastructure.<name>`: its value and where the state holds it
    (the line and column of the output's name in the state as Terraform writes it)."""

    name: str
    value: str
    line: int
    col: int


@dataclass(frozen=True)
class InfraValues:
    """What an infrastructure state gives an environment's `infrastructure:` values."""

    source: str  # where the state is: its file, or the backend's address for it
    outputs: tuple[InfraOutput, ...]
    serial: int = 0
    lineage: str = ""
    notes: tuple[str, ...] = field(default=())  # outputs left out, and why

    def values(self) -> dict[str, str]:
        return {o.name: o.value for o in self.outputs}


class StateUnreadable(ValueError):
    """The text is not a Terraform state."""


def from_state(text: str, source: str) -> InfraValues | None:
    """The values of a pulled state's outputs; None when there is no state (an empty
    pull: the workspace was never applied). Raises StateUnreadable."""
    if not text.strip():
        return None
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise StateUnreadable(f"not a Terraform state (JSON: {exc})") from None
    if not isinstance(state, dict) or not isinstance(state.get("outputs", {}), dict):
        raise StateUnreadable("not a Terraform state (no outputs map)")
    version = state.get("version")
    if version != 4:
        raise StateUnreadable(f"state format version {version!r}; zenml-tui reads version 4")
    lines = _output_lines(text)
    kept: list[InfraOutput] = []
    notes: list[str] = []
    for name, output in state.get("outputs", {}).items():
        shown = name if _NAME.match(str(name)) else json.dumps(name)[:60]
        if not isinstance(output, dict):
            notes.append(f"output {shown} is not a Terraform output: left out")
            continue
        if output.get("sensitive"):  # its value is never kept, shown or logged
            notes.append(f"output {shown} is sensitive: never read into the configuration")
            continue
        if name not in INFRASTRUCTURE_KEYS:
            notes.append(
                f"output {shown} is not a key of infrastructure: (one of "
                f"{', '.join(INFRASTRUCTURE_KEYS)}): left out"
            )
            continue
        value = output.get("value")
        if not isinstance(value, str):
            notes.append(f"output {shown} is not a string: left out")
            continue
        if "${" in value:
            notes.append(f"output {shown} holds '${{', which a layer would interpolate: left out")
            continue
        line, col = lines.get(name, (1, 1))
        kept.append(InfraOutput(name, value, line, col))
    kept.sort(key=lambda o: INFRASTRUCTURE_KEYS.index(o.name))
    serial = state.get("serial")
    lineage = state.get("lineage")
    return InfraValues(
        source,
        tuple(kept),
        serial if isinstance(serial, int) else 0,
        lineage if isinstance(lineage, str) else "",
        tuple(notes),
    )


def _output_lines(text: str) -> dict[str, tuple[int, int]]:
    """line, col of each output's name inside `"outputs": {` of the state text (Terraform
    writes one key per line, indented)."""
    out: dict[str, tuple[int, int]] = {}
    inside, depth = False, 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not inside:
            if stripped.startswith('"outputs": {') and not stripped.endswith("}"):
                inside, depth = True, 1
            continue
        if depth == 1 and stripped.startswith('"'):
            key = stripped.split('":', 1)[0][1:]
            out.setdefault(key, (number, raw.index('"') + 1))
        depth += raw.count("{") - raw.count("}")
        if depth <= 0:
            break
    return out
